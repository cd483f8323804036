import { ErrorCode, FerryError } from '../errors.ts';

/** Sum of a histogram's counts. */
export function total(counts: readonly number[]): number {
  let sum = 0;
  for (const c of counts) sum += c;
  return sum;
}

/**
 * Throws INVALID_INPUT naming `field` unless `counts` is a non-empty list of finite, non-negative
 * numbers (counts may be fractional: differential-privacy noise makes them so).
 */
export function assertCounts(counts: readonly number[], field: string): void {
  if (counts.length === 0)
    throw new FerryError(ErrorCode.INVALID_INPUT, `${field}: must hold at least one bin`);
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i] as number;
    if (!Number.isFinite(c) || c < 0) {
      throw new FerryError(ErrorCode.INVALID_INPUT, `${field}.${i}: must be a finite, non-negative count`);
    }
  }
}

/**
 * Checks a reference and a live histogram over the same bins: both valid, equally long and, since
 * every statistic here compares shares, each with a positive total. Returns the two totals.
 */
export function assertPair(reference: readonly number[], live: readonly number[]): [number, number] {
  assertCounts(reference, 'reference');
  assertCounts(live, 'live');
  if (reference.length !== live.length) {
    throw new FerryError(
      ErrorCode.INVALID_INPUT,
      `live: has ${live.length} bins but reference has ${reference.length}; both must use the same bins`,
    );
  }
  const n = total(reference);
  const m = total(live);
  if (n <= 0) throw new FerryError(ErrorCode.INVALID_INPUT, 'reference: all counts are zero');
  if (m <= 0) throw new FerryError(ErrorCode.INVALID_INPUT, 'live: all counts are zero');
  return [n, m];
}
