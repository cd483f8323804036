import type { ByteRange } from '../storage/blob-store.ts';

/** How a `Range` header applies to a resource of a given size. */
export type RangeDecision =
  { kind: 'full' } | { kind: 'partial'; range: ByteRange } | { kind: 'unsatisfiable' };

/**
 * Interprets `Range: bytes=…` (RFC 9110 §14.2) for a resource of `size` bytes. One range
 * (`a-b`, `a-`, or the suffix `-n`) is served as 206; anything else (absent, another unit,
 * several ranges, malformed, first > last) is served whole, which the RFC allows. A range
 * starting at or beyond the end, or the suffix `-0`, is unsatisfiable (416). Never throws.
 */
export function decideRange(header: string | null, size: number): RangeDecision {
  // The unit is case-insensitive (§14.1); no whitespace is allowed inside a range-spec.
  const match = header === null ? null : /^bytes=(\d*)-(\d*)$/i.exec(header.trim());
  if (!match) return { kind: 'full' };
  const [, first = '', last = ''] = match;
  if (first === '' && last === '') return { kind: 'full' };
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0) return { kind: 'unsatisfiable' };
    // §14.1.2: a non-zero suffix of an empty representation is satisfiable, yet no 206 can
    // describe zero bytes, so the (empty) whole is served.
    if (size === 0) return { kind: 'full' };
    return { kind: 'partial', range: { start: Math.max(0, size - suffix), end: size - 1 } };
  }
  const start = Number(first);
  if (last !== '' && Number(last) < start) return { kind: 'full' };
  if (start >= size) return { kind: 'unsatisfiable' };
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  return { kind: 'partial', range: { start, end } };
}
