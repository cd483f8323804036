import { ErrorCode, FerryError } from '../errors.ts';
import { assertPair } from './counts.ts';

/**
 * Where the mass of each bin of a numeric histogram with underflow and overflow sits: the
 * underflow at the first edge, each bin at its centre, the overflow at the last edge.
 */
export function binSupport(edges: readonly number[]): number[] {
  const support = [edges[0] as number];
  for (let i = 0; i + 1 < edges.length; i++)
    support.push(((edges[i] as number) + (edges[i + 1] as number)) / 2);
  support.push(edges[edges.length - 1] as number);
  return support;
}

/** Standard deviation (population, ddof 0) of the values `support` weighted by `counts`. */
export function weightedStd(support: readonly number[], counts: readonly number[]): number {
  let n = 0;
  let sum = 0;
  for (let i = 0; i < counts.length; i++) {
    n += counts[i] as number;
    sum += (counts[i] as number) * (support[i] as number);
  }
  const mean = sum / n;
  let squares = 0;
  for (let i = 0; i < counts.length; i++)
    squares += (counts[i] as number) * ((support[i] as number) - mean) ** 2;
  return Math.sqrt(squares / n);
}

/**
 * Wasserstein-1 distance between two histograms whose bins sit at the increasing points `support`:
 * Σ |F_ref − F_live| · gap between neighbouring points (scipy's
 * `wasserstein_distance(support, support, reference, live)`), in the support's units.
 */
export function binnedWasserstein(
  support: readonly number[],
  reference: readonly number[],
  live: readonly number[],
): number {
  const [n, m] = assertPair(reference, live);
  if (support.length !== reference.length) {
    throw new FerryError(
      ErrorCode.INVALID_INPUT,
      `support: has ${support.length} points but the histograms have ${reference.length} bins`,
    );
  }
  let cumulativeReference = 0;
  let cumulativeLive = 0;
  let distance = 0;
  for (let i = 0; i + 1 < support.length; i++) {
    const gap = (support[i + 1] as number) - (support[i] as number);
    if (!(gap >= 0)) throw new FerryError(ErrorCode.INVALID_INPUT, `support.${i + 1}: must not decrease`);
    cumulativeReference += reference[i] as number;
    cumulativeLive += live[i] as number;
    distance += Math.abs(cumulativeReference / n - cumulativeLive / m) * gap;
  }
  return distance;
}
