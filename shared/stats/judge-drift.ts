import type { DriftMethod, DriftOptions, DriftStatus } from '../schemas/drift.ts';
import { chiSquareHomogeneity } from './chi-square.ts';
import { total } from './counts.ts';
import { jensenShannonDistance } from './jensen-shannon.ts';
import { binnedKolmogorovSmirnov } from './kolmogorov-smirnov.ts';
import { psi } from './psi.ts';
import { binnedWasserstein } from './wasserstein.ts';

/**
 * Effective samples per chi-square degree of freedom below which the Jensen–Shannon distance is
 * still noise: under no drift JS² ≈ χ²(k−1) / (8·n_eff·ln 2) bits, so with 50 per degree of
 * freedom its typical value is ≈ 0.06, safely under the 0.1 default threshold.
 */
const JS_SAMPLES_PER_DOF = 50;

/** A histogram pair to judge, already on the same bins. */
export type DriftInput =
  | {
      kind: 'numeric';
      reference: readonly number[];
      live: readonly number[];
      /** Where each bin's mass sits (see binSupport), for the Wasserstein distance. */
      support: readonly number[];
      /** The reference's standard deviation, which the Wasserstein distance is divided by. */
      scale: number;
    }
  | { kind: 'categorical'; reference: readonly number[]; live: readonly number[] };

/** A histogram pair's verdict, before names and bins are attached. */
export interface DriftJudgement {
  referenceCount: number;
  liveCount: number;
  method: DriftMethod;
  statistic: number | null;
  pValue: number | null;
  threshold: number;
  psi: number | null;
  status: DriftStatus;
}

/** Bins holding anything on either side, minus one: the chi-square test's degrees of freedom. */
function degreesOfFreedom(reference: readonly number[], live: readonly number[]): number {
  let occupied = 0;
  for (let i = 0; i < reference.length; i++)
    if ((reference[i] as number) + (live[i] as number) > 0) occupied++;
  return Math.max(0, occupied - 1);
}

/**
 * The method for a pair of sample sizes, the way Evidently chooses (a test for small data, a
 * distance for large), on the effective size n·m/(n+m) so that neither side's noise can trip a
 * distance threshold.
 */
export function chooseMethod(input: DriftInput, options: DriftOptions): DriftMethod {
  const n = total(input.reference);
  const m = total(input.live);
  const effective = n + m > 0 ? (n * m) / (n + m) : 0;
  const large = effective > options.largeSample;
  if (input.kind === 'numeric') return large ? 'wasserstein' : 'ks';
  const dof = degreesOfFreedom(input.reference, input.live);
  return large && effective >= JS_SAMPLES_PER_DOF * dof ? 'jensen_shannon' : 'chi_square';
}

/** Runs the chosen method on a histogram pair and applies the guard and thresholds. Pure; never throws on valid counts. */
export function judgeDrift(input: DriftInput, options: DriftOptions): DriftJudgement {
  const referenceCount = total(input.reference);
  const liveCount = total(input.live);
  const method = chooseMethod(input, options);
  const isTest = method === 'ks' || method === 'chi_square';
  const threshold = isTest
    ? options.pValueThreshold
    : method === 'wasserstein'
      ? options.wassersteinThreshold
      : options.jensenShannonThreshold;
  const judgement: DriftJudgement = {
    referenceCount,
    liveCount,
    method,
    statistic: null,
    pValue: null,
    threshold,
    psi: null,
    status: 'insufficient_data',
  };
  if (referenceCount <= 0 || liveCount <= 0) return judgement;

  const { reference, live } = input;
  judgement.psi = psi(reference, live);
  if (method === 'ks' || method === 'chi_square') {
    const result =
      method === 'ks' ? binnedKolmogorovSmirnov(reference, live) : chiSquareHomogeneity(reference, live);
    judgement.statistic = result.statistic;
    judgement.pValue = result.pValue;
  } else if (input.kind === 'numeric') {
    const distance = binnedWasserstein(input.support, reference, live);
    // A spread so small that the ratio overflows is "infinitely far": keep it a finite JSON number.
    judgement.statistic = distance === 0 ? 0 : Math.min(distance / input.scale, Number.MAX_VALUE);
  } else {
    judgement.statistic = jensenShannonDistance(reference, live);
  }

  if (referenceCount < options.minReferenceSamples || liveCount < options.minLiveSamples) return judgement;
  const drifted = isTest ? (judgement.pValue as number) < threshold : judgement.statistic >= threshold;
  judgement.status = drifted ? 'drifted' : 'not_drifted';
  return judgement;
}
