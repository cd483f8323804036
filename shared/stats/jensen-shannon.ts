import { assertPair } from './counts.ts';

/**
 * (1 + d) ln(1 + d) + (1 − d) ln(1 − d) for d in [0, 1]. Near 0 the two logs cancel, so there it is
 * summed as its series Σ d^{2k} / (k(2k − 1)), whose terms are all positive.
 */
function symmetricEntropyGap(d: number): number {
  if (d > 0.1) return (1 + d) * Math.log1p(d) + (d < 1 ? (1 - d) * Math.log1p(-d) : 0);
  const d2 = d * d;
  let power = d2;
  let sum = 0;
  for (let k = 1; k < 40; k++) {
    const term = power / (k * (2 * k - 1));
    sum += term;
    if (term <= sum * Number.EPSILON) break;
    power *= d2;
  }
  return sum;
}

/**
 * Jensen–Shannon distance in base 2, the square root of the JS divergence between the two
 * histograms' shares: 0 for identical, 1 for disjoint (scipy's `jensenshannon(p, q, base=2)`).
 * Each bin's p·ln(2p/(p+q)) + q·ln(2q/(p+q)) is computed as (p+q)/2 · f(|p−q|/(p+q)) without
 * cancellation, so nearly equal histograms get an accurate small distance, not rounding noise.
 */
export function jensenShannonDistance(reference: readonly number[], live: readonly number[]): number {
  const [n, m] = assertPair(reference, live);
  let divergence = 0;
  for (let i = 0; i < reference.length; i++) {
    const p = (reference[i] as number) / n;
    const q = (live[i] as number) / m;
    const s = p + q;
    if (s > 0) divergence += (s / 2) * symmetricEntropyGap(Math.abs(p - q) / s);
  }
  return Math.min(1, Math.sqrt(divergence / 2 / Math.LN2));
}
