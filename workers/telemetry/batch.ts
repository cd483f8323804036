import { ErrorCode, FerryError } from '$shared/errors.ts';
import { ExecutionProvider } from '$shared/schemas/manifest.ts';
import {
  FallbackReason,
  MAX_COUNT,
  TELEMETRY_MAX_BYTES,
  TelemetryBatch,
  ThreadBucket,
} from '$shared/schemas/telemetry.ts';
import { isTelemetryBatch } from '$shared/schemas/telemetry-batch-check.ts';
import type { AggregateCounts } from './aggregator.ts';
import { noisyCount, type Uniform } from './noise.ts';

const MINUTE = 60_000;

/** 128 bits from the platform's CSPRNG as 32 hex digits: nothing ties it to the device or another batch. */
export function newBatchId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** The window from the first event's minute to the minute after `now` (at least one minute long). */
export function minuteWindow(firstEventAt: number, now: number): { windowStart: string; windowEnd: string } {
  const start = Math.floor(Math.min(firstEventAt, now) / MINUTE) * MINUTE;
  const end = Math.max(Math.ceil(now / MINUTE) * MINUTE, start + MINUTE);
  const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
  return { windowStart: iso(start), windowEnd: iso(end) };
}

type Noise = (count: number) => number;

/** Every key of a closed set, noised; keys whose noisy count is 0 are left out as the exact form does. */
function noisedRecord<K extends string>(
  keys: readonly K[],
  record: Partial<Record<K, number>>,
  noise: Noise,
) {
  const out: Partial<Record<K, number>> = {};
  for (const key of keys) {
    const value = noise(record[key] ?? 0);
    if (value > 0) out[key] = value;
  }
  return out;
}

/** Like {@link noisedRecord} for histograms of `length` counts under each key. */
function noisedHistograms<K extends string>(
  record: Partial<Record<K, number[]>>,
  domain: { keys: readonly K[]; length: number },
  noise: Noise,
) {
  const { keys, length } = domain;
  const out: Partial<Record<K, number[]>> = {};
  for (const key of keys) {
    const counts = (record[key] ?? new Array<number>(length).fill(0)).map(noise);
    if (counts.some((c) => c > 0)) out[key] = counts;
  }
  return out;
}

/**
 * `counts` with independent discrete Laplace noise on every count, including the zero ones of
 * every closed key set (error codes, backends, thread buckets, fallback reasons), so that which
 * keys appear tells nothing either. `bytesDownloaded` follows from the bundle, not from use, and
 * stays exact.
 */
export function noisedCounts(
  counts: AggregateCounts,
  options: { epsilon: number; sensitivity: number },
  uniform: Uniform,
): AggregateCounts {
  const noise: Noise = (count) => noisyCount(count, { ...options, max: MAX_COUNT }, uniform);
  const latencyLength = Object.values(counts.latencyMs)[0]?.length ?? 0;
  const yesNo = (v: { yes: number; no: number }) => ({ yes: noise(v.yes), no: noise(v.no) });
  return {
    ...counts,
    runs: noise(counts.runs),
    errors: noisedRecord(Object.values(ErrorCode), counts.errors, noise),
    latencyMs:
      latencyLength > 0
        ? noisedHistograms(
            counts.latencyMs,
            { keys: ExecutionProvider.options, length: latencyLength },
            noise,
          )
        : {},
    loads: {
      cold: noise(counts.loads.cold),
      warm: noise(counts.loads.warm),
      bytesDownloaded: counts.loads.bytesDownloaded,
      timeMs: counts.loads.timeMs.map(noise),
      fallbacks: noisedRecord(FallbackReason.options, counts.loads.fallbacks, noise),
    },
    features: counts.features.map((f) => ({ name: f.name, counts: f.counts.map(noise) })),
    ...(counts.predictions
      ? {
          predictions: {
            counts: counts.predictions.counts.map(noise),
            topScore: counts.predictions.topScore.map(noise),
          },
        }
      : {}),
    environment: {
      backend: noisedRecord(ExecutionProvider.options, counts.environment.backend, noise),
      threads: noisedRecord(ThreadBucket.options, counts.environment.threads, noise),
      crossOriginIsolated: yesNo(counts.environment.crossOriginIsolated),
      webgpuAvailable: yesNo(counts.environment.webgpuAvailable),
    },
  };
}

/** A batch ready to queue: checked against the wire schema, its JSON and that JSON's UTF-8 bytes. */
export interface SealedBatch {
  batch: TelemetryBatch;
  body: string;
  bytes: number;
}

/**
 * Seals counts into a batch: a fresh batch id, the minute window, the SDK version and the drop
 * count, then validated with the wire schema's verdict and the byte bound, so that a bug in the
 * worker never sends garbage. Throws INTERNAL (naming the field) when the batch would be invalid.
 */
export function sealBatch(
  counts: AggregateCounts,
  options: { firstEventAt: number; now: number; sdkVersion: string; droppedBatches: number },
): SealedBatch {
  const candidate = {
    schemaVersion: 1,
    batchId: newBatchId(),
    model: counts.model,
    version: counts.version,
    metadataVersion: counts.metadataVersion,
    sdkVersion: options.sdkVersion,
    ...minuteWindow(options.firstEventAt, options.now),
    runs: counts.runs,
    errors: counts.errors,
    latencyMs: counts.latencyMs,
    loads: counts.loads,
    features: counts.features,
    ...(counts.predictions ? { predictions: counts.predictions } : {}),
    environment: counts.environment,
    ...(options.droppedBatches > 0 ? { droppedBatches: Math.min(options.droppedBatches, 1_000_000) } : {}),
  };
  // The precompiled check: the schema's verdict without compiling the whole schema in the worker;
  // only a refusal pays for zod, to name the field.
  if (!isTelemetryBatch(candidate)) {
    const parsed = TelemetryBatch.safeParse(candidate);
    const issue = parsed.success ? undefined : parsed.error.issues[0];
    throw new FerryError(
      ErrorCode.INTERNAL,
      `telemetry batch invalid at ${issue?.path.join('.') || 'batch'}: ${issue?.message ?? 'invalid'}`,
    );
  }
  const body = JSON.stringify(candidate);
  const bytes = new TextEncoder().encode(body).byteLength;
  if (bytes > TELEMETRY_MAX_BYTES) {
    throw new FerryError(
      ErrorCode.INTERNAL,
      `telemetry batch is ${bytes} bytes, over the ${TELEMETRY_MAX_BYTES}-byte bound`,
    );
  }
  return { batch: candidate, body, bytes };
}
