import { z } from 'zod';
import { ErrorCode } from '../errors.ts';
import { ExecutionProvider, ModelName, SemVer } from './manifest.ts';

/**
 * The largest telemetry batch, in bytes of UTF-8 JSON, that a client may send and the ingest
 * route accepts. A batch for a model with 30 numeric features and 10 labels is about 3 KiB.
 */
export const TELEMETRY_MAX_BYTES = 64 * 1024;

/** The largest value of any count in a batch: a billion events per window and version. */
export const MAX_COUNT = 1_000_000_000;

/** The longest window one batch may cover. */
export const MAX_WINDOW_MINUTES = 24 * 60;

/**
 * The bounds of a batch's arrays and numbers, named so that a check derived from this schema
 * (shared/schemas/telemetry-batch-check.ts) reads them from here rather than repeating them.
 */
export const TELEMETRY_BOUNDS = Object.freeze({
  featureName: { min: 1, max: 128 },
  /** Reference bins (up to 4,096) plus underflow and overflow. */
  featureCounts: { min: 2, max: 4098 },
  features: 1024,
  predictionCounts: { min: 1, max: 4096 },
  bytesDownloaded: 2 ** 40,
  droppedBatches: 1_000_000,
});

/**
 * `count` edges from `min` to `max` (both exact), each `max / min` ^ (1 / (count - 1)) times the
 * one before, rounded to 3 significant digits so they read well in reports.
 */
function logSpacedEdges(min: number, max: number, count: number): readonly number[] {
  const ratio = (max / min) ** (1 / (count - 1));
  return Object.freeze(
    Array.from({ length: count }, (_, i) =>
      i === 0 ? min : i === count - 1 ? max : Number((min * ratio ** i).toPrecision(3)),
    ),
  );
}

/** Inference latency bin edges in milliseconds: 0.05 ms to 60 s, 40 log-spaced bins. */
export const LATENCY_EDGES_MS = logSpacedEdges(0.05, 60_000, 41);

/** Model load time bin edges in milliseconds (cache hit to slow download): 1 ms to 10 min, 30 bins. */
export const LOAD_TIME_EDGES_MS = logSpacedEdges(1, 600_000, 31);

/** Top-1 score bin edges on [0, 1]: 20 bins of 0.05. */
export const TOP_SCORE_EDGES = Object.freeze(Array.from({ length: 21 }, (_, i) => i / 20));

/**
 * Why a load runs on WASM although WebGPU was in play (workers/runtime/backend.ts, engine.ts): a
 * closed set of codes, never the free-text reason, which can carry adapter names. A bundle that
 * allows only WASM, or `backend: "wasm"`, is a choice, not a fallback.
 */
export const FallbackReason = z.enum([
  'no-webgpu-adapter',
  'software-webgpu-adapter',
  'wasm-runtime-loaded',
  'webgpu-session-failed',
]);
export type FallbackReason = z.infer<typeof FallbackReason>;

/** WASM thread counts, bucketed so that an unusual core count does not single a device out. */
export const ThreadBucket = z.enum(['1', '2', '3-4', '5-8', '9-16']);
export type ThreadBucket = z.infer<typeof ThreadBucket>;

/** The bucket of a thread count (counts above 16 fall in the last bucket). */
export function threadBucket(threads: number): ThreadBucket {
  if (threads <= 1) return '1';
  if (threads === 2) return '2';
  if (threads <= 4) return '3-4';
  return threads <= 8 ? '5-8' : '9-16';
}

/** One count: a non-negative integer up to {@link MAX_COUNT}. */
export const Count = z.number().int().nonnegative().max(MAX_COUNT);

/** The type zod names in an `expected number, received …` message. */
function receivedType(value: unknown): string {
  if (typeof value === 'number') return Number.isNaN(value) ? 'NaN' : 'Infinity';
  if (value === null) return 'null';
  return Array.isArray(value) ? 'array' : typeof value;
}

/** Why `value` is not a {@link Count}, in zod's words, or null when it is one. */
function countProblem(value: unknown): string | null {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    return `Invalid input: expected number, received ${receivedType(value)}`;
  }
  if (!Number.isInteger(value)) return 'Invalid input: expected int, received number';
  if (value < 0) return 'Too small: expected number to be >=0';
  return value > MAX_COUNT ? `Too big: expected number to be <=${MAX_COUNT}` : null;
}

/**
 * An array of {@link Count}s within `bounds`, checked in one loop: the same verdict and first
 * issue (`counts.3: Too small: …`) as `z.array(Count)` with those bounds, at a fraction of its
 * cost, since a batch holds hundreds of counts and the ingest parses every batch.
 */
function countArray(bounds: { min: number; max: number } | { length: number; message: string }) {
  return z.custom<number[]>().check((ctx) => {
    const value = ctx.value as unknown;
    if (!Array.isArray(value)) {
      ctx.issues.push({ code: 'custom', input: value, message: 'Invalid input: expected array' });
      return;
    }
    const n = value.length;
    // Element issues first, as z.array reports them.
    for (let i = 0; i < n; i++) {
      const problem = countProblem(value[i]);
      if (problem !== null) ctx.issues.push({ code: 'custom', input: value[i], path: [i], message: problem });
    }
    if ('length' in bounds && n !== bounds.length) {
      ctx.issues.push({ code: 'custom', input: value, message: bounds.message });
    } else if ('min' in bounds && (n < bounds.min || n > bounds.max)) {
      const message =
        n < bounds.min
          ? `Too small: expected array to have >=${bounds.min} items`
          : `Too big: expected array to have <=${bounds.max} items`;
      ctx.issues.push({ code: 'custom', input: value, message });
    }
  });
}

/**
 * Counts on fixed `edges`: `counts[0]` is below `edges[0]`, `counts[i]` for 1 ≤ i < edges.length
 * is `[edges[i - 1], edges[i])` (the last of these closed, so the top edge counts in it) and the
 * last count is above the top edge. So `counts.length === edges.length + 1`.
 */
function fixedHistogram(edges: readonly number[], what: string) {
  return countArray({
    length: edges.length + 1,
    message: `must hold ${edges.length + 1} counts (${what}: ${edges.length - 1} bins + under/overflow)`,
  });
}

/** Latency counts on {@link LATENCY_EDGES_MS}. */
export const LatencyHistogram = fixedHistogram(LATENCY_EDGES_MS, 'LATENCY_EDGES_MS');

/** Load time counts on {@link LOAD_TIME_EDGES_MS}. */
export const LoadTimeHistogram = fixedHistogram(LOAD_TIME_EDGES_MS, 'LOAD_TIME_EDGES_MS');

/** Top-1 score counts on {@link TOP_SCORE_EDGES}. */
export const TopScoreHistogram = fixedHistogram(TOP_SCORE_EDGES, 'TOP_SCORE_EDGES');

const ErrorCodeKey = z.enum(Object.values(ErrorCode) as [ErrorCode, ...ErrorCode[]]);

/** Counts split by yes / no. */
const YesNo = z.strictObject({ yes: Count, no: Count });

/**
 * Live counts of one reference feature, named as in the manifest's `reference.features`. Numeric:
 * one count per reference bin plus underflow first and overflow last (bins + 2, binned like
 * {@link fixedHistogram}); categorical: one per reference category plus "other" last.
 */
export const FeatureCounts = z.strictObject({
  name: z.string().min(TELEMETRY_BOUNDS.featureName.min).max(TELEMETRY_BOUNDS.featureName.max),
  counts: countArray(TELEMETRY_BOUNDS.featureCounts),
});
export type FeatureCounts = z.infer<typeof FeatureCounts>;

/** Minute-aligned UTC instant, e.g. `2026-12-01T23:41:00Z`. */
const Minute = z.iso.datetime({ offset: false }).refine(
  // Seconds spelled out as zero: Date.parse alone would round away digits past the millisecond.
  (s) => /T\d\d:\d\d:00(?:\.0+)?Z$/.test(s) && Date.parse(s) % 60_000 === 0,
  'must be rounded to the minute (seconds and milliseconds zero)',
);

/**
 * One telemetry batch: what one device saw of one model version over one window, aggregates only.
 * Every object is strict (an unknown field is refused), so nothing beyond this leaves the device:
 * no raw input, no text, no identifier that outlives the batch, no user-agent. `batchId` is fresh
 * random per batch (the ingest's idempotency key), never derived from the device.
 */
export const TelemetryBatch = z
  .strictObject({
    schemaVersion: z.literal(1),
    /** 128 random bits as 32 lowercase hex digits, new for every batch. */
    batchId: z.string().regex(/^[0-9a-f]{32}$/, 'must be 32 lowercase hex digits (128 random bits)'),
    model: ModelName,
    version: SemVer,
    /** The `metadataVersion` of the signed manifest the device ran. */
    metadataVersion: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
    sdkVersion: SemVer,
    /** First minute of the window (inclusive). */
    windowStart: Minute,
    /** End of the window (exclusive), rounded up to the minute; at most 24 h after the start. */
    windowEnd: Minute,
    /** run() calls that reached the model, failed ones included. */
    runs: Count,
    /** Failed runs and loads by FerryError code. */
    errors: z.partialRecord(ErrorCodeKey, Count),
    /** Latency of successful runs per backend, counts on {@link LATENCY_EDGES_MS}. */
    latencyMs: z.partialRecord(ExecutionProvider, LatencyHistogram),
    loads: z.strictObject({
      /** Loads that downloaded at least one file. */
      cold: Count,
      /** Loads served entirely from the device cache. */
      warm: Count,
      bytesDownloaded: z.number().int().nonnegative().max(TELEMETRY_BOUNDS.bytesDownloaded),
      /** Load time, counts on {@link LOAD_TIME_EDGES_MS}. */
      timeMs: LoadTimeHistogram,
      /** Loads that ended on WASM although WebGPU was in play, by reason. */
      fallbacks: z.partialRecord(FallbackReason, Count),
    }),
    /** Live counts per reference feature the runtime measures; names unique. */
    features: z.array(FeatureCounts).max(TELEMETRY_BOUNDS.features),
    /** Present for classifiers: counts per top-1 label in the manifest's `labels` order, and the top-1 score. */
    predictions: z
      .strictObject({
        counts: countArray(TELEMETRY_BOUNDS.predictionCounts),
        topScore: TopScoreHistogram,
      })
      .optional(),
    /** Each run counted once in each group. */
    environment: z.strictObject({
      backend: z.partialRecord(ExecutionProvider, Count),
      threads: z.partialRecord(ThreadBucket, Count),
      crossOriginIsolated: YesNo,
      webgpuAvailable: YesNo,
    }),
    /** Batches the device queue dropped (over its bound) since the last batch it sent. */
    droppedBatches: z.number().int().nonnegative().max(TELEMETRY_BOUNDS.droppedBatches).optional(),
  })
  .superRefine((batch, ctx) => {
    const start = Date.parse(batch.windowStart);
    const end = Date.parse(batch.windowEnd);
    if (end < start) {
      ctx.addIssue({ code: 'custom', path: ['windowEnd'], message: 'must not be before windowStart' });
    } else if (end - start > MAX_WINDOW_MINUTES * 60_000) {
      ctx.addIssue({
        code: 'custom',
        path: ['windowEnd'],
        message: `must be at most ${MAX_WINDOW_MINUTES} minutes after windowStart`,
      });
    }
    const seen = new Set<string>();
    batch.features.forEach((feature, index) => {
      if (seen.has(feature.name)) {
        ctx.addIssue({
          code: 'custom',
          path: ['features', index, 'name'],
          message: `duplicate feature ${feature.name}`,
        });
      }
      seen.add(feature.name);
    });
  });
export type TelemetryBatch = z.infer<typeof TelemetryBatch>;
