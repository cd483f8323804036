/**
 * Quantiles of values counted on fixed bin edges (the telemetry layout of shared/schemas/telemetry.ts):
 * `counts[0]` is below `edges[0]`, `counts[i]` for 1 ≤ i < edges.length is `[edges[i - 1], edges[i])`
 * and the last count is above the top edge, so `counts.length === edges.length + 1`.
 */

/**
 * The `q`-quantile (0 ≤ q ≤ 1) of the values counted in `counts` on `edges`, or null when nothing
 * was counted. Within a bin the values are taken as spread evenly, so the answer is interpolated
 * linearly between its edges, as Prometheus' `histogram_quantile` does. Values below the first
 * edge read as the first edge and values above the top edge as the top edge: the histogram knows
 * no more about them. Throws RangeError when the lengths disagree or `q` is outside [0, 1].
 *
 * @example histogramQuantile([1, 2, 4], [0, 10, 0, 0], 0.5) // 1.5
 */
export function histogramQuantile(
  edges: readonly number[],
  counts: readonly number[],
  q: number,
): number | null {
  if (counts.length !== edges.length + 1) {
    throw new RangeError(`counts: ${counts.length} counts for ${edges.length} edges (needs edges + 1)`);
  }
  if (!(q >= 0 && q <= 1)) throw new RangeError(`q: ${q} is not within [0, 1]`);
  let total = 0;
  for (const count of counts) total += count;
  if (total <= 0) return null;
  const first = edges[0] as number;
  const top = edges[edges.length - 1] as number;
  const rank = q * total;
  let below = 0;
  for (let i = 0; i < counts.length; i++) {
    const count = counts[i] as number;
    // The first bin that holds the rank; for q = 0, the first bin that holds anything.
    if (count > 0 && below + count >= rank) {
      if (i === 0) return first;
      if (i === counts.length - 1) return top;
      const lower = edges[i - 1] as number;
      const upper = edges[i] as number;
      return lower + ((upper - lower) * (rank - below)) / count;
    }
    below += count;
  }
  return top;
}

/** The sum of two histograms bin by bin; throws RangeError when their lengths differ. */
export function addCounts(a: readonly number[], b: readonly number[]): number[] {
  if (a.length !== b.length) throw new RangeError(`cannot add ${b.length} bins to ${a.length} bins`);
  return a.map((count, i) => count + (b[i] as number));
}
