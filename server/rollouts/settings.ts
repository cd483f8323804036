import { z } from 'zod';
import { ErrorCode, FerryError, describeIssue } from '$shared';

const DAY_MS = 24 * 3600_000;

const ControlEnv = z
  .object({
    FERRY_CONTROL_LIFETIME_MS: z.coerce
      .number()
      .int()
      .min(1000)
      .default(7 * DAY_MS),
    FERRY_CONTROL_RESIGN_INTERVAL_MS: z.coerce.number().int().min(100).optional(),
  })
  .refine(
    (e) =>
      e.FERRY_CONTROL_RESIGN_INTERVAL_MS === undefined ||
      e.FERRY_CONTROL_RESIGN_INTERVAL_MS < e.FERRY_CONTROL_LIFETIME_MS / 2,
    {
      path: ['FERRY_CONTROL_RESIGN_INTERVAL_MS'],
      message:
        'must be less than half of FERRY_CONTROL_LIFETIME_MS, or documents would expire before a re-sign',
    },
  );

/** How long control documents live and how often the re-signer looks for ones to renew. */
export interface ControlSettings {
  /** A document's `expires` is its `issuedAt` plus this. */
  lifetimeMs: number;
  /** The re-signer runs this often and renews documents with less than half their lifetime left. */
  resignIntervalMs: number;
}

/**
 * Parses FERRY_CONTROL_LIFETIME_MS (default 7 days) and FERRY_CONTROL_RESIGN_INTERVAL_MS (default
 * a tenth of the lifetime, at most an hour); throws INVALID_INPUT naming the variable at fault.
 */
export function loadControlSettings(env: Record<string, string | undefined>): ControlSettings {
  const parsed = ControlEnv.safeParse(env);
  if (!parsed.success) {
    throw new FerryError(ErrorCode.INVALID_INPUT, describeIssue(parsed.error, 'environment'));
  }
  const lifetimeMs = parsed.data.FERRY_CONTROL_LIFETIME_MS;
  const resignIntervalMs =
    parsed.data.FERRY_CONTROL_RESIGN_INTERVAL_MS ?? Math.min(3600_000, Math.floor(lifetimeMs / 10));
  return { lifetimeMs, resignIntervalMs };
}
