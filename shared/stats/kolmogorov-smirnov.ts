import { assertPair } from './counts.ts';
import { kolmogorovSurvival } from './special-functions.ts';

/** A two-sample Kolmogorov–Smirnov test's outcome. */
export interface KsResult {
  /** The largest gap between the two binned CDFs. */
  statistic: number;
  pValue: number;
  /** n·m / (n + m), the sample size the limiting distribution is scaled by. */
  effectiveN: number;
}

/**
 * Two-sample Kolmogorov–Smirnov test on two histograms over the same ordered bins. D is the
 * largest gap between the binned CDFs (what scipy's `ks_2samp` gives for the samples expanded to
 * one value per bin); p is the limiting Kolmogorov distribution's `kstwobign.sf(D·√(nm/(n+m)))`.
 * Both make it conservative: binning can only hide gaps, and for finite samples √n·D lies below
 * its limit in distribution, so p is never too small.
 */
export function binnedKolmogorovSmirnov(reference: readonly number[], live: readonly number[]): KsResult {
  const [n, m] = assertPair(reference, live);
  let cumulativeReference = 0;
  let cumulativeLive = 0;
  let statistic = 0;
  for (let i = 0; i < reference.length; i++) {
    cumulativeReference += reference[i] as number;
    cumulativeLive += live[i] as number;
    statistic = Math.max(statistic, Math.abs(cumulativeReference / n - cumulativeLive / m));
  }
  const effectiveN = (n * m) / (n + m);
  return { statistic, pValue: kolmogorovSurvival(statistic * Math.sqrt(effectiveN)), effectiveN };
}
