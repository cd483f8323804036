import { z } from 'zod';
import { TELEMETRY_MAX_BYTES } from '$shared/schemas/telemetry.ts';
import { invalidInputOf } from '../errors.ts';

/**
 * Telemetry settings of `createFerryClient({ telemetry })`. Every field is optional; `false`
 * instead of an object turns telemetry off (no queue, no request).
 */
export interface TelemetryOptions {
  /** Flush a model version's aggregates after this many runs (default 1000). */
  flushRuns?: number;
  /** …or this long after its first unflushed event, whichever comes first (default 60 s). */
  flushIntervalMs?: number;
  /** Local differential privacy: discrete Laplace noise on every count, ε per batch (see README). */
  epsilon?: number;
  /** Bounds of the device queue; past either, the oldest batches are dropped (and counted). */
  queue?: { maxBatches?: number; maxBytes?: number };
  /** Exponential backoff with full jitter between send attempts (default 1 s doubling to 5 min). */
  retry?: { baseDelayMs?: number; maxDelayMs?: number };
}

const positiveInt = (max: number) => z.int('must be a whole number').min(1, 'must be at least 1').max(max);

/** The worker's checked telemetry settings, defaults filled in. */
export const TelemetryConfig = z.strictObject({
  // A batch is as large with 1000 runs as with 100, and its seal, IndexedDB writes and request
  // cost the worker some 3 ms (1.5 ms of it blocking: fetch, transactions, the schema check):
  // at 100 that was 30 µs a run for a small model, and a device running 1000 a second sent 10
  // batches a second, the ingest rate limit's whole allowance. Slower apps flush by time.
  flushRuns: positiveInt(1_000_000).default(1000),
  // An hour at most, so a window stays far below the wire format's 24 hours.
  flushIntervalMs: positiveInt(60 * 60_000).default(60_000),
  epsilon: z.number('must be a number').positive('must be positive').max(1000).optional(),
  queue: z
    .strictObject({
      maxBatches: positiveInt(100_000).default(500),
      maxBytes: positiveInt(1024 * 1024 * 1024)
        .min(TELEMETRY_MAX_BYTES, `must hold one batch (${TELEMETRY_MAX_BYTES} bytes)`)
        .default(5 * 1024 * 1024),
    })
    .prefault({}),
  retry: z
    .strictObject({
      baseDelayMs: positiveInt(60 * 60_000).default(1000),
      maxDelayMs: positiveInt(24 * 60 * 60_000).default(5 * 60_000),
    })
    .prefault({}),
});
export type TelemetryConfig = z.infer<typeof TelemetryConfig>;

/** What the worker config carries: the checked settings, or `false` for off. */
export const TelemetrySetting = z.union([z.literal(false), TelemetryConfig], {
  error: 'false or { flushRuns, flushIntervalMs, epsilon, queue, retry }',
});

/**
 * Checks settings given at run time (`client.setTelemetry`), defaults filled in; throws
 * INVALID_INPUT naming the field as the client options do (`telemetry.flushRuns`).
 */
export function parseTelemetryOptions(options: TelemetryOptions): TelemetryConfig {
  const parsed = TelemetryConfig.safeParse(options);
  if (parsed.success) return parsed.data;
  throw invalidInputOf(parsed.error.issues, ['telemetry']);
}
