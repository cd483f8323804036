import { z } from 'zod';

/** How a feature's drift was measured: a test while samples are small, a distance once they are large. */
export const DriftMethod = z.enum(['ks', 'chi_square', 'wasserstein', 'jensen_shannon']);
export type DriftMethod = z.infer<typeof DriftMethod>;

/** A feature's verdict; `insufficient_data` is not a verdict but a refusal to give one. */
export const DriftStatus = z.enum(['drifted', 'not_drifted', 'insufficient_data']);
export type DriftStatus = z.infer<typeof DriftStatus>;

/**
 * Per-model drift settings. Defaults (docs/drift.md) are calibrated by the seeded simulations in
 * shared/stats/calibration.test.ts: ≤ 1% false alarms per feature at 100 and 10,000 live samples,
 * ≥ 95% detection of a +0.5σ shift at 1,000.
 */
export const DriftOptions = z.object({
  /** A test (KS, chi-square) flags drift when its p-value falls below this. */
  pValueThreshold: z.number().gt(0).lt(1).default(0.005),
  /** Normalised Wasserstein distance (in reference standard deviations) at or above which a numeric feature drifted. */
  wassersteinThreshold: z.number().positive().max(1e6).default(0.1),
  /** Jensen–Shannon distance (base 2, in [0, 1]) at or above which a categorical feature drifted. */
  jensenShannonThreshold: z.number().positive().max(1).default(0.1),
  /** Fewer live samples than this gives `insufficient_data`. */
  minLiveSamples: z.number().int().min(1).max(1e9).default(30),
  /** A reference with fewer samples than this gives `insufficient_data`. */
  minReferenceSamples: z.number().int().min(1).max(1e9).default(30),
  /**
   * Effective sample size n·m/(n+m) above which a distance replaces the test. Evidently switches
   * at 1,000 reference rows; the effective size also keeps a small live sample on the test.
   */
  largeSample: z.number().positive().max(1e12).default(1000),
});
/** Resolved drift settings (every field present). */
export type DriftOptions = z.output<typeof DriftOptions>;
/** Drift settings as a caller gives them (any field may be left to its default). */
export type DriftOptionsInput = z.input<typeof DriftOptions>;

const Count = z.number().nonnegative();

const featureDriftFields = {
  name: z.string().min(1).max(256),
  /** Reference counts on the same bins as `live` (numeric: with empty underflow and overflow). */
  reference: z.array(Count).max(4097),
  live: z.array(Count).max(4097),
  referenceCount: Count,
  liveCount: Count,
  method: DriftMethod,
  /** KS D, chi-square statistic, normalised Wasserstein or JS distance; null without data on either side. */
  statistic: z.number().nullable(),
  /** The test's p-value; null for the distances and without data. */
  pValue: z.number().min(0).max(1).nullable(),
  /** The p-value or distance threshold the statistic was judged against. */
  threshold: z.number(),
  /** Population stability index over the same bins, for reference (never decides the status). */
  psi: z.number().nonnegative().nullable(),
  status: DriftStatus,
};

/**
 * One feature's drift: both histograms, the method, statistic and threshold, and the verdict.
 * Numeric histograms are `[underflow, …one per bin of edges…, overflow]`; categorical ones
 * `[…one per category…, other]`.
 */
export const FeatureDrift = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('numeric'),
    edges: z.array(z.number()).min(2).max(1025),
    ...featureDriftFields,
  }),
  z.object({
    kind: z.literal('categorical'),
    categories: z.array(z.string().max(256)).min(1).max(4096),
    ...featureDriftFields,
  }),
]);
export type FeatureDrift = z.infer<typeof FeatureDrift>;

/** What drift detection concluded for one model version: every feature, the predictions, the share drifted. */
export const DriftReport = z.object({
  features: z.array(FeatureDrift).max(4096),
  /** Drift of the predicted labels (categorical path); null when the reference has no predictions. */
  predictions: FeatureDrift.nullable(),
  summary: z.object({
    features: z.number().int().nonnegative(),
    drifted: z.number().int().nonnegative(),
    notDrifted: z.number().int().nonnegative(),
    insufficientData: z.number().int().nonnegative(),
    /** drifted / (drifted + notDrifted): the share among features with a verdict; null when none has one. */
    driftedShare: z.number().min(0).max(1).nullable(),
  }),
  options: DriftOptions,
});
export type DriftReport = z.infer<typeof DriftReport>;
