import { z } from 'zod';
import { ErrorCode, FerryError, describeIssue } from '$shared';
import type { MetricsMode } from './route.ts';

const MetricsEnv = z.object({
  FERRY_METRICS: z.enum(['off', 'token']).default('off'),
  FERRY_METRICS_WINDOW_MINUTES: z.coerce
    .number()
    .int()
    .positive()
    .max(7 * 24 * 60)
    .default(60),
});

/** Whether and how GET /metrics is served, and the window of its fleet aggregates. */
export interface MetricsSettings {
  /** `off` (the default): /metrics answers 404; `token`: it needs a token with the `metrics` scope. */
  mode: MetricsMode;
  /** The fleet series sum the telemetry buckets that start within this long before the scrape. */
  windowMs: number;
}

/** Parses FERRY_METRICS and FERRY_METRICS_WINDOW_MINUTES; throws INVALID_INPUT naming the variable. */
export function loadMetricsSettings(env: Record<string, string | undefined>): MetricsSettings {
  const parsed = MetricsEnv.safeParse(env);
  if (!parsed.success)
    throw new FerryError(ErrorCode.INVALID_INPUT, describeIssue(parsed.error, 'environment'));
  return { mode: parsed.data.FERRY_METRICS, windowMs: parsed.data.FERRY_METRICS_WINDOW_MINUTES * 60_000 };
}
