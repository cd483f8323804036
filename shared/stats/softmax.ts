/**
 * Numerically stable softmax of the first `length` of `values` (all of them by default):
 * exponentials shifted by their maximum, normalised to sum 1. Loops into one array, since the
 * worker scores every run() with it (issue 10, point 10).
 */
export function softmax(values: ArrayLike<number>, length = values.length): number[] {
  let max = -Infinity;
  for (let i = 0; i < length; i++) max = Math.max(max, values[i] as number);
  const exps = new Array<number>(length);
  let total = 0;
  for (let i = 0; i < length; i++) {
    const exp = Math.exp((values[i] as number) - max);
    exps[i] = exp;
    total += exp;
  }
  for (let i = 0; i < length; i++) exps[i] = (exps[i] as number) / total;
  return exps;
}
