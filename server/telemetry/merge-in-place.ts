import { ErrorCode, FerryError } from '$shared';
import type { TelemetryAggregate } from './store.ts';

type Tally = Partial<Record<string, number>>;
type Histograms = Partial<Record<string, number[]>>;

function mismatch(field: string, a: number, b: number): FerryError {
  return new FerryError(
    ErrorCode.INVALID_INPUT,
    `${field}: cannot merge ${b} counts into ${a}; both must use the same bins`,
  );
}

/** Whether both sides have the histogram and their lengths differ (the field is named only then). */
const differ = (a: readonly number[] | undefined, b: readonly number[] | undefined): a is number[] =>
  a !== undefined && b !== undefined && a.length !== b.length;

/**
 * Throws what `mergeAggregates(target, source)` throws (aggregate.ts), in the same order, without
 * changing anything: so that {@link mergeInto} either merges all of `source` or none of it.
 */
export function checkMergeable(target: TelemetryAggregate, source: TelemetryAggregate): void {
  // Field names are built only for a mismatch: this runs for every batch of every group.
  const latency = source.latencyMs as Histograms;
  for (const key in latency) {
    const mine = (target.latencyMs as Histograms)[key];
    const theirs = latency[key];
    if (differ(mine, theirs)) throw mismatch(`latencyMs.${key}`, mine.length, (theirs as number[]).length);
  }
  const { timeMs } = target.loads;
  if (differ(timeMs, source.loads.timeMs))
    throw mismatch('loads.timeMs', timeMs.length, source.loads.timeMs.length);
  const features = source.features;
  for (let i = 0; i < features.length; i++) {
    const feature = features[i] as TelemetryAggregate['features'][number];
    const mine = featureNamed(target.features, feature.name, i)?.counts;
    if (differ(mine, feature.counts))
      throw mismatch(`features.${feature.name}.counts`, mine.length, feature.counts.length);
  }
  const ours = target.predictions;
  const theirs = source.predictions;
  if (ours !== undefined && theirs !== undefined) {
    if (differ(ours.counts, theirs.counts))
      throw mismatch('predictions.counts', ours.counts.length, theirs.counts.length);
    if (differ(ours.topScore, theirs.topScore))
      throw mismatch('predictions.topScore', ours.topScore.length, theirs.topScore.length);
  }
}

/** The feature of `features` named `name`: at `index` when both sides list the same names in order. */
function featureNamed(features: TelemetryAggregate['features'], name: string, index: number) {
  const same = features[index];
  return same !== undefined && same.name === name ? same : features.find((f) => f.name === name);
}

function addInto(into: number[], from: readonly number[]): void {
  for (let i = 0; i < from.length; i++) into[i] = (into[i] as number) + (from[i] as number);
}

function addTally(into: Tally, from: Tally): void {
  for (const key in from) into[key] = (into[key] ?? 0) + (from[key] ?? 0);
}

function addHistograms(into: Histograms, from: Histograms): void {
  for (const key in from) {
    const counts = from[key];
    if (counts === undefined) continue;
    const mine = into[key];
    if (mine === undefined) into[key] = [...counts];
    else addInto(mine, counts);
  }
}

/** A copy of `aggregate` that shares nothing with it, so that merging into it leaves the original as it was. */
export function copyAggregate(aggregate: TelemetryAggregate): TelemetryAggregate {
  const copy: TelemetryAggregate = {
    runs: aggregate.runs,
    errors: { ...aggregate.errors },
    latencyMs: {},
    loads: {
      ...aggregate.loads,
      timeMs: [...aggregate.loads.timeMs],
      fallbacks: { ...aggregate.loads.fallbacks },
    },
    features: aggregate.features.map((feature) => ({ name: feature.name, counts: [...feature.counts] })),
    environment: {
      backend: { ...aggregate.environment.backend },
      threads: { ...aggregate.environment.threads },
      crossOriginIsolated: { ...aggregate.environment.crossOriginIsolated },
      webgpuAvailable: { ...aggregate.environment.webgpuAvailable },
    },
    batches: aggregate.batches,
  };
  addHistograms(copy.latencyMs as Histograms, aggregate.latencyMs as Histograms);
  const { predictions, droppedBatches } = aggregate;
  if (predictions !== undefined)
    copy.predictions = { counts: [...predictions.counts], topScore: [...predictions.topScore] };
  if (droppedBatches !== undefined) copy.droppedBatches = droppedBatches;
  return copy;
}

/**
 * Adds `source` into `target` in place: afterwards `target` deep-equals what
 * `mergeAggregates(target, source)` returns (aggregate.ts; merge-in-place.test.ts holds them
 * equal), without building a new aggregate per batch. `source` is only read and nothing of it is
 * kept. When the bins differ it throws the same INVALID_INPUT as `mergeAggregates` and leaves
 * `target` untouched.
 */
export function mergeInto(target: TelemetryAggregate, source: TelemetryAggregate): void {
  checkMergeable(target, source);
  mergeCheckedInto(target, source);
}

/**
 * {@link mergeInto} for a `source` that {@link checkMergeable} already passed against `target`
 * (the group commit checks each batch before recording its id, then merges it): the check is not
 * run twice per batch.
 */
export function mergeCheckedInto(target: TelemetryAggregate, source: TelemetryAggregate): void {
  target.runs += source.runs;
  addTally(target.errors, source.errors);
  addHistograms(target.latencyMs as Histograms, source.latencyMs as Histograms);
  const loads = target.loads;
  loads.cold += source.loads.cold;
  loads.warm += source.loads.warm;
  loads.bytesDownloaded += source.loads.bytesDownloaded;
  addInto(loads.timeMs, source.loads.timeMs);
  addTally(loads.fallbacks, source.loads.fallbacks);
  const features = source.features;
  for (let i = 0; i < features.length; i++) {
    const feature = features[i] as TelemetryAggregate['features'][number];
    const mine = featureNamed(target.features, feature.name, i);
    if (mine === undefined) target.features.push({ name: feature.name, counts: [...feature.counts] });
    else addInto(mine.counts, feature.counts);
  }
  const env = target.environment;
  addTally(env.backend, source.environment.backend);
  addTally(env.threads, source.environment.threads);
  addTally(env.crossOriginIsolated, source.environment.crossOriginIsolated);
  addTally(env.webgpuAvailable, source.environment.webgpuAvailable);
  target.batches += source.batches;
  const from = source.predictions;
  if (from !== undefined) {
    if (target.predictions === undefined)
      target.predictions = { counts: [...from.counts], topScore: [...from.topScore] };
    else {
      addInto(target.predictions.counts, from.counts);
      addInto(target.predictions.topScore, from.topScore);
    }
  }
  if (source.droppedBatches !== undefined)
    target.droppedBatches = (target.droppedBatches ?? 0) + source.droppedBatches;
}
