import { z } from 'zod';
import { ErrorCode } from '../errors.ts';
import { Rollout } from './control.ts';
import { ModelName, SemVer, VersionStatus } from './manifest.ts';

const Instant = z.iso.datetime({ offset: true }).transform((s) => new Date(s));
const Quantile = z.number().nullable();
const Count = z.number().int().nonnegative();
const ErrorCodeKey = z.enum(Object.values(ErrorCode) as [ErrorCode, ...ErrorCode[]]);

/** Input of `rollouts.compare`: a model's stable and candidate over `[since, until)`. */
export const RolloutCompareInput = z.strictObject({
  model: ModelName,
  /** ISO instant; when absent, the rollout's start (floored to its minute) or 24 hours before `until`, whichever is later. */
  since: Instant.optional(),
  /** ISO instant (exclusive); now when absent. */
  until: Instant.optional(),
});
export type RolloutCompareInput = z.infer<typeof RolloutCompareInput>;

/** What one version's devices reported over a range (`telemetry.summary`'s per-version entry). */
export const VersionTelemetry = z.object({
  version: SemVer,
  status: VersionStatus,
  batches: Count,
  runs: Count,
  /** Failed runs and loads by FerryError code. */
  errors: z.partialRecord(ErrorCodeKey, Count),
  /** Errors of each code per run (null without runs). */
  errorRate: z.partialRecord(ErrorCodeKey, z.number().nullable()),
  /** Successful-run latency per backend, in milliseconds (p50/p95 from the fixed-edge histogram). */
  latencyMs: z.partialRecord(z.string(), z.object({ runs: Count, p50: Quantile, p95: Quantile })),
  /** Share of runs per backend. */
  backendMix: z.partialRecord(z.string(), z.number()),
  loads: z.object({
    cold: Count,
    warm: Count,
    bytesDownloaded: Count,
    p50Ms: Quantile,
    p95Ms: Quantile,
  }),
  droppedBatches: Count,
  series: z.array(
    z.object({
      start: z.iso.datetime(),
      granularity: z.enum(['minute', 'hour']),
      runs: Count,
      runsPerMinute: z.number(),
      errors: Count,
    }),
  ),
});
export type VersionTelemetry = z.infer<typeof VersionTelemetry>;

/**
 * The body of `rollouts.compare` (issue 9, point 5): the telemetry of the model's stable version
 * and of its rollout's candidate side by side over the same range, with the rollout as it is now.
 * A side is null when there is no such version (no rollout; every version yanked).
 */
export const RolloutComparison = z.object({
  model: ModelName,
  since: z.iso.datetime(),
  until: z.iso.datetime(),
  /** The running rollout with its share in percent, or null. */
  rollout: Rollout.extend({ percent: z.number().min(0).max(100) }).nullable(),
  stable: VersionTelemetry.nullable(),
  candidate: VersionTelemetry.nullable(),
});
export type RolloutComparison = z.infer<typeof RolloutComparison>;
