/**
 * Largest absolute difference between two equally long arrays (Infinity when lengths differ): how
 * far the browser's outputs are from the onnxruntime-node / transformers.js reference.
 */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs((a[i] as number) - (b[i] as number)));
  return max;
}
