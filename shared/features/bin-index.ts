/**
 * Where `value` counts on a histogram over `edges` with underflow and overflow, the wire format's
 * layout (shared/schemas/telemetry.ts): 0 below `edges[0]`; i for `[edges[i - 1], edges[i])`, the
 * last bin closed so that the top edge counts in it, as the reference profiles bin; `edges.length`
 * above the top edge; -1 for NaN, which counts nowhere. `edges` must be strictly increasing.
 */
export function binIndex(edges: readonly number[], value: number): number {
  const last = edges.length - 1;
  if (Number.isNaN(value)) return -1;
  if (value < (edges[0] as number)) return 0;
  if (value > (edges[last] as number)) return edges.length;
  if (value === edges[last]) return last;
  // Binary search for the last edge ≤ value.
  let lo = 0;
  let hi = last;
  while (hi - lo > 1) {
    const mid = (lo + hi) >>> 1;
    if ((edges[mid] as number) <= value) lo = mid;
    else hi = mid;
  }
  return lo + 1;
}
