import { describe, expect, it } from 'vitest';
import { binIndex } from './bin-index.ts';

describe('binIndex', () => {
  const edges = [0, 1, 2, 5];

  it('counts below, inside (half-open, the last bin closed) and above the edges', () => {
    expect([-0.1, 0, 0.99, 1, 4.999, 5, 5.0001, Infinity, -Infinity].map((v) => binIndex(edges, v))).toEqual([
      0, 1, 1, 2, 3, 3, 4, 4, 0,
    ]);
  });

  it('counts NaN nowhere', () => {
    expect(binIndex(edges, Number.NaN)).toBe(-1);
  });

  it('agrees with a linear scan on many edges', () => {
    const many = Array.from({ length: 101 }, (_, i) => i * 0.37 - 5);
    for (let v = -6; v <= 33; v += 0.1) {
      const scan =
        v < many[0]! ? 0 : v > many.at(-1)! ? many.length : Math.min(many.filter((e) => e <= v).length, 100);
      expect(binIndex(many, v), String(v)).toBe(scan);
    }
  });
});
