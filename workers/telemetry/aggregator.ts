import type { ErrorCode } from '$shared/errors.ts';
import { binIndex } from '$shared/features/bin-index.ts';
import { createFeatureMeasurer, type MeasuredInput } from '$shared/features/measure.ts';
import type { PublishedManifest } from '$shared/schemas/manifest.ts';
import type { FeatureMeasure, FeatureProfile } from '$shared/schemas/reference-profile.ts';
import {
  LATENCY_EDGES_MS,
  LOAD_TIME_EDGES_MS,
  TOP_SCORE_EDGES,
  threadBucket,
  type FallbackReason,
  type TelemetryBatch,
} from '$shared/schemas/telemetry.ts';
import type { Backend, Score } from '../types.ts';

/** Where a model version runs, fixed for its session: counted once per run. */
export interface RunEnvironment {
  backend: Backend;
  threads: number;
  crossOriginIsolated: boolean;
  webgpuAvailable: boolean;
}

/** One finished load, as the load reported it. */
export interface LoadRecord {
  fromCache: boolean;
  bytesDownloaded: number;
  loadMs: number;
  fallback?: FallbackReason;
}

/** One successful run: its latency, what was measured of its input, its scores. */
export interface RunRecord {
  latencyMs: number;
  measured?: MeasuredInput;
  scores?: readonly Score[];
}

/** What a batch counts, before its id, window, SDK version and noise are added. */
export type AggregateCounts = Pick<
  TelemetryBatch,
  | 'model'
  | 'version'
  | 'metadataVersion'
  | 'runs'
  | 'errors'
  | 'latencyMs'
  | 'loads'
  | 'features'
  | 'predictions'
  | 'environment'
>;

interface FeatureSlot {
  name: string;
  counts: Uint32Array;
  /** Numeric: the reference edges. Categorical: category → index, `other` last. */
  edges?: readonly number[];
  categories?: ReadonlyMap<string, number>;
}

type FeatureProfileWithMeasure = FeatureProfile & { measure: FeatureMeasure };

const hasMeasure = (feature: FeatureProfile): feature is FeatureProfileWithMeasure =>
  feature.measure !== undefined;

function featureSlot(feature: FeatureProfileWithMeasure): FeatureSlot {
  if (feature.kind === 'numeric') {
    return { name: feature.name, edges: feature.edges, counts: new Uint32Array(feature.edges.length + 1) };
  }
  return {
    name: feature.name,
    categories: new Map(feature.categories.map((category, i) => [category, i])),
    counts: new Uint32Array(feature.categories.length + 1),
  };
}

/** Largest label set whose top-1 counts a batch can carry (the wire format's bound). */
const MAX_LABELS = 4096;

/**
 * Running counts of one model version on this device, recorded in O(features + log bins) per
 * run into preallocated arrays, allocating nothing for tabular and image inputs. `take()` hands
 * them over and starts again from zero.
 */
export interface Aggregate {
  /** Runs recorded since the last `take()`, failed ones included. */
  readonly runs: number;
  /** `Date.now()` of the first event since the last `take()`, or undefined when empty. */
  readonly firstEventAt: number | undefined;
  /** Counts one successful run, and its features when `run.measured` is given. */
  recordRun(run: RunRecord): void;
  /** Starts the window now if none is open: an event that will be recorded later happened. */
  touch(): void;
  recordError(code: ErrorCode, options?: { run: boolean }): void;
  recordLoad(load: LoadRecord): void;
  /** The counts so far (plain arrays), resetting every counter. */
  take(): AggregateCounts;
  /** Counts one run touches at most: the sensitivity of a batch's differential privacy. */
  readonly countsPerRun: number;
  /** Reference features measured on each run's input. */
  readonly featureCount: number;
}

/** A fresh aggregate for the version `manifest` describes, running in `environment`. */
export function createAggregate(manifest: PublishedManifest, environment: RunEnvironment): Aggregate {
  const measured = (manifest.reference?.features ?? []).filter(hasMeasure);
  const measure = createFeatureMeasurer(measured.map((feature) => feature.measure));
  const features = measured.map(featureSlot);
  const labels = manifest.labels ?? manifest.reference?.predictions?.labels;
  const labelIndex =
    labels && labels.length <= MAX_LABELS ? new Map(labels.map((label, i) => [label, i])) : undefined;
  const threads = threadBucket(environment.threads);

  let firstEventAt: number | undefined;
  let errors: Partial<Record<ErrorCode, number>> = {};
  let latency = new Uint32Array(LATENCY_EDGES_MS.length + 1);
  let environmentRuns = 0;
  let loads = { cold: 0, warm: 0, bytesDownloaded: 0 };
  let loadTime = new Uint32Array(LOAD_TIME_EDGES_MS.length + 1);
  let fallbacks: Partial<Record<FallbackReason, number>> = {};
  let predictionCounts = labelIndex ? new Uint32Array(labelIndex.size) : undefined;
  let topScore = new Uint32Array(TOP_SCORE_EDGES.length + 1);

  const touch = () => void (firstEventAt ??= Date.now());
  const bump = <K extends string>(record: Partial<Record<K, number>>, key: K) =>
    void (record[key] = (record[key] ?? 0) + 1);

  const values = new Float64Array(features.length);

  function recordFeatures(input: MeasuredInput) {
    measure(input, values);
    for (let i = 0; i < features.length; i++) {
      const value = values[i] as number;
      // NaN: not measured.
      if (value !== value) continue;
      const slot = features[i] as FeatureSlot;
      const index = slot.edges
        ? binIndex(slot.edges, value)
        : (slot.categories?.get(String(value)) ?? slot.counts.length - 1);
      if (index >= 0) slot.counts[index]!++;
    }
  }

  // `runs` is a plain property, not a getter: telemetry reads it on every run it holds.
  const aggregate: Omit<Aggregate, 'runs'> & { runs: number } = {
    runs: 0,
    get firstEventAt() {
      return firstEventAt;
    },
    // A run touches: runs, one latency bin, each feature, the top-1 label and its score bin, and
    // the four environment groups.
    countsPerRun: 1 + 1 + features.length + (predictionCounts ? 2 : 0) + 4,
    featureCount: features.length,
    recordRun(run) {
      firstEventAt ??= Date.now();
      aggregate.runs++;
      environmentRuns++;
      const bin = binIndex(LATENCY_EDGES_MS, run.latencyMs);
      if (bin >= 0) latency[bin]!++;
      if (run.measured && features.length > 0) recordFeatures(run.measured);
      const top = run.scores?.[0];
      if (top && predictionCounts && labelIndex) {
        const index = labelIndex.get(top.label);
        if (index !== undefined) predictionCounts[index]!++;
        const scoreBin = binIndex(TOP_SCORE_EDGES, top.score);
        if (scoreBin >= 0) topScore[scoreBin]!++;
      }
    },
    touch,
    recordError(code, options = { run: true }) {
      touch();
      if (options.run) {
        aggregate.runs++;
        environmentRuns++;
      }
      bump(errors, code);
    },
    recordLoad(load) {
      touch();
      if (load.fromCache) loads.warm++;
      else loads.cold++;
      loads.bytesDownloaded += load.bytesDownloaded;
      const bin = binIndex(LOAD_TIME_EDGES_MS, load.loadMs);
      if (bin >= 0) loadTime[bin]!++;
      if (load.fallback) bump(fallbacks, load.fallback);
    },
    take() {
      const yesNo = (flag: boolean) => ({ yes: flag ? environmentRuns : 0, no: flag ? 0 : environmentRuns });
      const counts: AggregateCounts = {
        model: manifest.name,
        version: manifest.version,
        metadataVersion: manifest.metadataVersion,
        runs: aggregate.runs,
        errors,
        latencyMs: latency.some((c) => c > 0) ? { [environment.backend]: Array.from(latency) } : {},
        loads: { ...loads, timeMs: Array.from(loadTime), fallbacks },
        features: features.map((slot) => ({ name: slot.name, counts: Array.from(slot.counts) })),
        ...(predictionCounts
          ? { predictions: { counts: Array.from(predictionCounts), topScore: Array.from(topScore) } }
          : {}),
        environment: {
          backend: environmentRuns > 0 ? { [environment.backend]: environmentRuns } : {},
          threads: environmentRuns > 0 ? { [threads]: environmentRuns } : {},
          crossOriginIsolated: yesNo(environment.crossOriginIsolated),
          webgpuAvailable: yesNo(environment.webgpuAvailable),
        },
      };
      aggregate.runs = 0;
      firstEventAt = undefined;
      errors = {};
      latency = new Uint32Array(latency.length);
      environmentRuns = 0;
      loads = { cold: 0, warm: 0, bytesDownloaded: 0 };
      loadTime = new Uint32Array(loadTime.length);
      fallbacks = {};
      predictionCounts = predictionCounts && new Uint32Array(predictionCounts.length);
      topScore = new Uint32Array(topScore.length);
      for (const slot of features) slot.counts = new Uint32Array(slot.counts.length);
      return counts;
    },
  };
  return aggregate;
}
