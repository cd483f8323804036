import { ErrorCode, FerryError, type TelemetryBatch } from '$shared';
import { addCounts } from '$shared/stats/histogram.ts';
import type { TelemetryAggregate } from './store.ts';

type Tally = Partial<Record<string, number>>;
type Histograms = Partial<Record<string, number[]>>;

/** What `batch` contributes to a bucket: its counts without its identity and window, as one batch. */
export function aggregateOf(batch: TelemetryBatch): TelemetryAggregate {
  const { runs, errors, latencyMs, loads, features, predictions, environment, droppedBatches } = batch;
  const aggregate: TelemetryAggregate = { runs, errors, latencyMs, loads, features, environment, batches: 1 };
  if (predictions !== undefined) aggregate.predictions = predictions;
  if (droppedBatches !== undefined) aggregate.droppedBatches = droppedBatches;
  return aggregate;
}

function mismatch(field: string, a: number, b: number): FerryError {
  return new FerryError(
    ErrorCode.INVALID_INPUT,
    `${field}: cannot merge ${b} counts into ${a}; both must use the same bins`,
  );
}

/** Bin-wise sum, naming `field` when the bins differ. */
function addBins(a: readonly number[], b: readonly number[], field: string): number[] {
  if (a.length !== b.length) throw mismatch(field, a.length, b.length);
  return addCounts(a, b);
}

function addTallies<T extends Tally>(a: T, b: T): T {
  const sum: Tally = { ...a };
  for (const [key, count] of Object.entries(b)) sum[key] = (sum[key] ?? 0) + (count ?? 0);
  return sum as T;
}

function addHistograms<T extends Histograms>(a: T, b: T, field: string): T {
  const sum: Histograms = { ...a };
  for (const [key, counts] of Object.entries(b)) {
    if (counts === undefined) continue;
    const mine = sum[key];
    sum[key] = mine === undefined ? [...counts] : addBins(mine, counts, `${field}.${key}`);
  }
  return sum as T;
}

function mergeFeatures(a: TelemetryAggregate['features'], b: TelemetryAggregate['features']) {
  const merged = a.map((feature) => ({ name: feature.name, counts: [...feature.counts] }));
  const byName = new Map(merged.map((feature) => [feature.name, feature]));
  for (const feature of b) {
    const mine = byName.get(feature.name);
    if (mine === undefined) {
      const copy = { name: feature.name, counts: [...feature.counts] };
      merged.push(copy);
      byName.set(copy.name, copy);
    } else {
      mine.counts = addBins(mine.counts, feature.counts, `features.${feature.name}.counts`);
    }
  }
  return merged;
}

function mergePredictions(
  a: TelemetryAggregate['predictions'],
  b: TelemetryAggregate['predictions'],
): TelemetryAggregate['predictions'] {
  if (a === undefined || b === undefined) {
    const only = a ?? b;
    return only && { counts: [...only.counts], topScore: [...only.topScore] };
  }
  return {
    counts: addBins(a.counts, b.counts, 'predictions.counts'),
    topScore: addBins(a.topScore, b.topScore, 'predictions.topScore'),
  };
}

/**
 * The sum of two aggregates, as if their batches had been one: counts add, histograms add bin by
 * bin, records add per key, features merge by name (a name in only one side is kept as is).
 * Pure: neither input changes. Throws `INVALID_INPUT` naming the field when the same histogram
 * has different lengths on the two sides (they were binned on different edges).
 */
export function mergeAggregates(a: TelemetryAggregate, b: TelemetryAggregate): TelemetryAggregate {
  const merged: TelemetryAggregate = {
    runs: a.runs + b.runs,
    errors: addTallies(a.errors, b.errors),
    latencyMs: addHistograms(a.latencyMs, b.latencyMs, 'latencyMs'),
    loads: {
      cold: a.loads.cold + b.loads.cold,
      warm: a.loads.warm + b.loads.warm,
      bytesDownloaded: a.loads.bytesDownloaded + b.loads.bytesDownloaded,
      timeMs: addBins(a.loads.timeMs, b.loads.timeMs, 'loads.timeMs'),
      fallbacks: addTallies(a.loads.fallbacks, b.loads.fallbacks),
    },
    features: mergeFeatures(a.features, b.features),
    environment: {
      backend: addTallies(a.environment.backend, b.environment.backend),
      threads: addTallies(a.environment.threads, b.environment.threads),
      crossOriginIsolated: addTallies(a.environment.crossOriginIsolated, b.environment.crossOriginIsolated),
      webgpuAvailable: addTallies(a.environment.webgpuAvailable, b.environment.webgpuAvailable),
    },
    batches: a.batches + b.batches,
  };
  const predictions = mergePredictions(a.predictions, b.predictions);
  if (predictions !== undefined) merged.predictions = predictions;
  if (a.droppedBatches !== undefined || b.droppedBatches !== undefined) {
    merged.droppedBatches = (a.droppedBatches ?? 0) + (b.droppedBatches ?? 0);
  }
  return merged;
}

/** The sum of the buckets' aggregates (see {@link mergeAggregates}), or null for no bucket. */
export function sumBuckets(buckets: readonly { aggregate: TelemetryAggregate }[]): TelemetryAggregate | null {
  return buckets.length === 0 ? null : buckets.map((bucket) => bucket.aggregate).reduce(mergeAggregates);
}
