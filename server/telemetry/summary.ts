import { asc, eq } from 'drizzle-orm';
import { ErrorCode, FerryError, LATENCY_EDGES_MS, LOAD_TIME_EDGES_MS, type VersionStatus } from '$shared';
import { histogramQuantile } from '$shared/stats/histogram.ts';
import type { FerryQueryable } from '../db/open.ts';
import { models, versions } from '../db/schema.ts';
import { sumBuckets } from './aggregate.ts';
import type { BucketGranularity, TelemetryBucket, TelemetryStore } from './store.ts';

const DAY_MS = 24 * 3600_000;

/** One bucket of the time series. */
export interface SummaryPoint {
  /** First instant of the bucket (ISO UTC). */
  start: string;
  granularity: BucketGranularity;
  runs: number;
  /** Runs per minute over the bucket: `runs` for a minute bucket, `runs / 60` for an hour one. */
  runsPerMinute: number;
  /** Failed runs and loads, all codes together. */
  errors: number;
}

/** Latency quantiles of one backend, estimated from the fixed-edge histogram (null: no runs). */
export interface LatencySummary {
  runs: number;
  p50: number | null;
  p95: number | null;
}

/** What one version's devices reported over the range. */
export interface VersionSummary {
  version: string;
  status: VersionStatus;
  batches: number;
  runs: number;
  /** Failed runs and loads by FerryError code. */
  errors: Partial<Record<ErrorCode, number>>;
  /** Errors of each code per run (null without runs). */
  errorRate: Partial<Record<ErrorCode, number | null>>;
  /** Successful-run latency per backend, in milliseconds. */
  latencyMs: Partial<Record<string, LatencySummary>>;
  /** Share of runs per backend (sums to 1; empty without runs). */
  backendMix: Partial<Record<string, number>>;
  loads: { cold: number; warm: number; bytesDownloaded: number; p50Ms: number | null; p95Ms: number | null };
  /** Batches device queues dropped before sending (they are not in any count here). */
  droppedBatches: number;
  /** Oldest first; minute buckets, and hour buckets once rolled up. */
  series: SummaryPoint[];
}

/** The body of `telemetry.summary`. */
export interface TelemetrySummary {
  model: string;
  /** The range read: buckets whose start lies in `[since, until)`. */
  since: string;
  until: string;
  /** The version asked for, or every version of the model side by side (newest published first). */
  versions: VersionSummary[];
}

const sum = (values: Partial<Record<string, number>>) =>
  Object.values(values).reduce<number>((total, value) => total + (value ?? 0), 0);

function summarise(
  row: { version: string; status: VersionStatus },
  buckets: readonly TelemetryBucket[],
): VersionSummary {
  const total = sumBuckets(buckets);
  const runs = total?.runs ?? 0;
  const errors = total?.errors ?? {};
  const backends = total?.environment.backend ?? {};
  const backendRuns = sum(backends);
  const quantiles = (edges: readonly number[], counts: readonly number[]) => ({
    p50: histogramQuantile(edges, counts, 0.5),
    p95: histogramQuantile(edges, counts, 0.95),
  });
  const loadTimes = total?.loads.timeMs ?? LOAD_TIME_EDGES_MS.map(() => 0).concat(0);
  const loadQuantiles = quantiles(LOAD_TIME_EDGES_MS, loadTimes);
  return {
    version: row.version,
    status: row.status,
    batches: total?.batches ?? 0,
    runs,
    errors,
    errorRate: Object.fromEntries(
      Object.entries(errors).map(([code, count]) => [code, runs > 0 ? (count ?? 0) / runs : null]),
    ),
    latencyMs: Object.fromEntries(
      Object.entries(total?.latencyMs ?? {}).map(([backend, counts = []]) => [
        backend,
        { runs: counts.reduce((a, b) => a + b, 0), ...quantiles(LATENCY_EDGES_MS, counts) },
      ]),
    ),
    backendMix:
      backendRuns > 0
        ? Object.fromEntries(
            Object.entries(backends).map(([name, count]) => [name, (count ?? 0) / backendRuns]),
          )
        : {},
    loads: {
      cold: total?.loads.cold ?? 0,
      warm: total?.loads.warm ?? 0,
      bytesDownloaded: total?.loads.bytesDownloaded ?? 0,
      p50Ms: loadQuantiles.p50,
      p95Ms: loadQuantiles.p95,
    },
    droppedBatches: total?.droppedBatches ?? 0,
    series: buckets.map((b) => ({
      start: b.start,
      granularity: b.granularity,
      runs: b.aggregate.runs,
      runsPerMinute: b.granularity === 'hour' ? b.aggregate.runs / 60 : b.aggregate.runs,
      errors: sum(b.aggregate.errors),
    })),
  };
}

/**
 * The telemetry summary of `model` (one version, or all side by side) over `[since, until)`:
 * runs per bucket, error rate by code, latency p50/p95 per backend (interpolated in the fixed
 * histogram bins, so as precise as those bins), backend mix, cold and warm loads. `until`
 * defaults to now, `since` to 24 hours before it. Throws MODEL_NOT_FOUND or BUNDLE_NOT_FOUND.
 */
export async function telemetrySummary(
  deps: { db: FerryQueryable; telemetry: TelemetryStore },
  input: { model: string; version?: string; since?: Date; until?: Date },
  now: Date = new Date(),
): Promise<TelemetrySummary> {
  const until = input.until ?? now;
  const since = input.since ?? new Date(until.getTime() - DAY_MS);
  if (since.getTime() > until.getTime()) {
    throw new FerryError(ErrorCode.INVALID_INPUT, 'since: must not be after until');
  }
  const rows = deps.db
    .select({ id: versions.id, version: versions.version, status: versions.status })
    .from(versions)
    .innerJoin(models, eq(models.id, versions.modelId))
    .where(eq(models.name, input.model))
    .orderBy(asc(versions.id))
    .all();
  const exists = rows.length > 0 || deps.db.select().from(models).where(eq(models.name, input.model)).get();
  if (!exists) throw new FerryError(ErrorCode.MODEL_NOT_FOUND, `model: "${input.model}" does not exist`);
  const wanted =
    input.version === undefined ? rows.reverse() : rows.filter((r) => r.version === input.version);
  if (wanted.length === 0) {
    throw new FerryError(
      ErrorCode.BUNDLE_NOT_FOUND,
      `version: model "${input.model}" has no version "${input.version}"`,
    );
  }
  const summaries = await Promise.all(
    wanted.map(async (row) =>
      summarise(row, await deps.telemetry.buckets({ versionId: row.id, from: since, to: until })),
    ),
  );
  return { model: input.model, since: since.toISOString(), until: until.toISOString(), versions: summaries };
}
