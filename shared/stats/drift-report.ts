import { ErrorCode, FerryError } from '../errors.ts';
import {
  DriftOptions,
  type DriftOptionsInput,
  type DriftReport,
  type FeatureDrift,
} from '../schemas/drift.ts';
import type { FeatureProfile, ReferenceProfile } from '../schemas/reference-profile.ts';
import { describeIssue } from '../zod-issue.ts';
import { assertCounts } from './counts.ts';
import { judgeDrift } from './judge-drift.ts';
import { binSupport, weightedStd } from './wasserstein.ts';

/**
 * What the field reported for one model version, summed over batches: the shape of
 * shared/schemas/telemetry.ts's `features` and `predictions`, so merged batches pass as they are.
 * Per reference feature (by name) numeric `[underflow, …one per bin…, overflow]`, categorical
 * `[…one per category…, other]`; predictions one count per label (an "other" last is accepted).
 */
export interface LiveCounts {
  features: readonly { name: string; counts: readonly number[] }[];
  predictions?: { counts: readonly number[] };
}

function zeros(length: number): number[] {
  return new Array<number>(length).fill(0);
}

/** The live histogram for `field`, zeros when the field sent nothing; INVALID_INPUT on a wrong length. */
function liveHistogram(
  counts: readonly number[] | undefined,
  length: number,
  field: string,
): readonly number[] {
  if (counts === undefined) return zeros(length);
  assertCounts(counts, field);
  if (counts.length !== length) {
    throw new FerryError(
      ErrorCode.INVALID_INPUT,
      `${field}: has ${counts.length} bins, but the reference profile gives ${length}`,
      { details: { field, bins: counts.length, expected: length } },
    );
  }
  return counts;
}

/** The reference's spread for the Wasserstein normalisation: its recorded std, else the binned one, else a bin width. */
function referenceScale(
  feature: FeatureProfile & { kind: 'numeric' },
  support: number[],
  reference: number[],
): number {
  if (feature.std !== undefined && feature.std > 0) return feature.std;
  const binned = weightedStd(support, reference);
  if (binned > 0) return binned;
  const edges = feature.edges;
  return ((edges[edges.length - 1] as number) - (edges[0] as number)) / (edges.length - 1);
}

function featureDrift(
  feature: FeatureProfile,
  live: ReadonlyMap<string, readonly number[]>,
  options: DriftOptions,
): FeatureDrift {
  const field = `live.features.${feature.name}`;
  if (feature.kind === 'numeric') {
    // The reference profile folds values outside its edges into the outer bins, so its underflow and overflow are empty.
    const reference = [0, ...feature.counts, 0];
    const counts = liveHistogram(live.get(feature.name), reference.length, field);
    const support = binSupport(feature.edges);
    const scale = referenceScale(feature, support, reference);
    const judgement = judgeDrift({ kind: 'numeric', reference, live: counts, support, scale }, options);
    return {
      kind: 'numeric',
      name: feature.name,
      edges: feature.edges,
      reference,
      live: [...counts],
      ...judgement,
    };
  }
  return categoricalDrift(feature, live.get(feature.name), { field, options });
}

/** A categorical histogram's drift: the reference with an empty "other" bin against the live counts. */
function categoricalDrift(
  source: { name: string; categories: string[]; counts: readonly number[] },
  live: readonly number[] | undefined,
  context: { field: string; options: DriftOptions },
): FeatureDrift {
  const reference = [...source.counts, 0];
  const counts = liveHistogram(live, reference.length, context.field);
  const judgement = judgeDrift({ kind: 'categorical', reference, live: counts }, context.options);
  return {
    kind: 'categorical',
    name: source.name,
    categories: source.categories,
    reference,
    live: [...counts],
    ...judgement,
  };
}

function predictionDrift(
  predictions: NonNullable<ReferenceProfile['predictions']>,
  live: readonly number[] | undefined,
  options: DriftOptions,
): FeatureDrift {
  // Predictions may come without an "other" count: a model only predicts its own labels.
  const padded = live !== undefined && live.length === predictions.labels.length ? [...live, 0] : live;
  const source = { name: 'predictions', categories: predictions.labels, counts: predictions.counts };
  return categoricalDrift(source, padded, { field: 'live.predictions', options });
}

/**
 * The drift report for one model version: each reference feature and the predictions compared
 * with the live counts (a test while samples are small, a distance once large, `insufficient_data`
 * below the minimum samples), and the share of features that drifted. Pure: its cost depends on
 * the number of bins, never on how many predictions the counts summarise. Throws INVALID_INPUT
 * naming the field for bad options or live counts on the wrong bins.
 */
export function driftReport(
  reference: ReferenceProfile,
  live: LiveCounts,
  options: DriftOptionsInput = {},
): DriftReport {
  const parsed = DriftOptions.safeParse(options);
  if (!parsed.success) {
    throw new FerryError(ErrorCode.INVALID_INPUT, `drift options: ${describeIssue(parsed.error, 'options')}`);
  }
  const resolved = parsed.data;
  const liveByName = new Map(live.features.map((f) => [f.name, f.counts]));
  const features = reference.features.map((feature) => featureDrift(feature, liveByName, resolved));
  const predictions = reference.predictions
    ? predictionDrift(reference.predictions, live.predictions?.counts, resolved)
    : null;
  const count = (status: FeatureDrift['status']) => features.filter((f) => f.status === status).length;
  const drifted = count('drifted');
  const notDrifted = count('not_drifted');
  return {
    features,
    predictions,
    summary: {
      features: features.length,
      drifted,
      notDrifted,
      insufficientData: count('insufficient_data'),
      driftedShare: drifted + notDrifted > 0 ? drifted / (drifted + notDrifted) : null,
    },
    options: resolved,
  };
}
