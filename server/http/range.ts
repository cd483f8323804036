import type { ByteRange } from '../storage/blob-store.ts';

/** How a `Range` header applies to a resource of a given size. */
export type RangeDecision =
  { kind: 'full' } | { kind: 'partial'; range: ByteRange } | { kind: 'unsatisfiable' };

/**
 * Interprets `Range: bytes=…` (RFC 9110 §14.2) for a resource of `size` bytes. One range
 * (`a-b`, `a-`, or the suffix `-n`) is served as 206; anything else (absent, another unit,
 * several ranges, malformed) is served whole, which the RFC allows. A range starting at or
 * beyond the end is unsatisfiable (416).
 */
export function decideRange(header: string | null, size: number): RangeDecision {
  const match = header === null ? null : /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match) return { kind: 'full' };
  const [, first = '', last = ''] = match;
  if (first === '' && last === '') return { kind: 'full' };
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'partial', range: { start: Math.max(0, size - suffix), end: size - 1 } };
  }
  const start = Number(first);
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  if (start >= size) return { kind: 'unsatisfiable' };
  if (end < start) return { kind: 'full' };
  return { kind: 'partial', range: { start, end } };
}
