import { assertPair } from './counts.ts';

/**
 * The share that stands in for an empty bin, so that ln(live / reference) stays finite. 1e-4 is
 * Evidently's choice (its `psi` stattest replaces zero shares by 0.0001, without renormalising).
 */
export const PSI_EPSILON = 1e-4;

/**
 * Population stability index Σ (live − ref) · ln(live / ref) over the bins' shares, each zero share
 * replaced by `epsilon` ({@link PSI_EPSILON}). 0 for identical shares; symmetric in its arguments.
 */
export function psi(reference: readonly number[], live: readonly number[], epsilon = PSI_EPSILON): number {
  const [n, m] = assertPair(reference, live);
  let sum = 0;
  for (let i = 0; i < reference.length; i++) {
    const p = (reference[i] as number) / n || epsilon;
    const q = (live[i] as number) / m || epsilon;
    sum += (q - p) * Math.log(q / p);
  }
  return sum;
}
