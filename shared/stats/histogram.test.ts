import { describe, expect, it } from 'vitest';
import { LATENCY_EDGES_MS } from '../schemas/telemetry.ts';
import { addCounts, histogramQuantile } from './histogram.ts';

const EDGES = [0, 10, 20, 40];

describe('histogramQuantile', () => {
  it('interpolates linearly inside the bin that holds the rank (values worked out by hand)', () => {
    // 10 values in [0,10), 30 in [10,20), 60 in [20,40]: 100 in all.
    const counts = [0, 10, 30, 60, 0];
    // rank 50 → 10 below, 30 in [10,20): 40 below [20,40]; 10 of its 60 → 20 + 20·10/60.
    expect(histogramQuantile(EDGES, counts, 0.5)).toBeCloseTo(20 + 20 * (10 / 60), 12);
    // rank 95 → 20 + 20·55/60.
    expect(histogramQuantile(EDGES, counts, 0.95)).toBeCloseTo(20 + 20 * (55 / 60), 12);
    // rank 25 → 10 + 10·15/30.
    expect(histogramQuantile(EDGES, counts, 0.25)).toBeCloseTo(15, 12);
    expect(histogramQuantile(EDGES, counts, 1)).toBeCloseTo(40, 12);
  });

  it('answers the lower edge of the first non-empty bin for q = 0', () => {
    expect(histogramQuantile(EDGES, [0, 0, 5, 5, 0], 0)).toBe(10);
  });

  it('reads underflow as the first edge and overflow as the top edge', () => {
    expect(histogramQuantile(EDGES, [4, 0, 0, 0, 0], 0.5)).toBe(0);
    expect(histogramQuantile(EDGES, [0, 1, 0, 0, 9], 0.95)).toBe(40);
    expect(histogramQuantile(EDGES, [9, 0, 0, 0, 1], 0.5)).toBe(0);
  });

  it('returns null for an empty histogram', () => {
    expect(histogramQuantile(EDGES, [0, 0, 0, 0, 0], 0.5)).toBeNull();
  });

  it('agrees with the exact quantile of evenly spread values on the latency edges', () => {
    // 1000 values spread evenly across bin 12 of the latency edges: the median is the bin's middle.
    const counts = LATENCY_EDGES_MS.map(() => 0).concat(0);
    counts[12] = 1000;
    const lower = LATENCY_EDGES_MS[11] as number;
    const upper = LATENCY_EDGES_MS[12] as number;
    expect(histogramQuantile(LATENCY_EDGES_MS, counts, 0.5)).toBeCloseTo((lower + upper) / 2, 9);
  });

  it('refuses mismatched lengths and q outside [0, 1]', () => {
    expect(() => histogramQuantile(EDGES, [1, 2, 3], 0.5)).toThrow(RangeError);
    expect(() => histogramQuantile(EDGES, [0, 1, 0, 0, 0], 1.5)).toThrow(/q: 1.5/);
    expect(() => histogramQuantile(EDGES, [0, 1, 0, 0, 0], Number.NaN)).toThrow(RangeError);
  });
});

describe('addCounts', () => {
  it('adds bin by bin and refuses histograms of different lengths', () => {
    expect(addCounts([1, 2, 3], [10, 20, 30])).toEqual([11, 22, 33]);
    expect(() => addCounts([1, 2], [1, 2, 3])).toThrow(RangeError);
  });
});
