// Property tests (fast-check): what must hold for every pair of histograms, not just the golden ones.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chiSquareHomogeneity } from './chi-square.ts';
import { jensenShannonDistance } from './jensen-shannon.ts';
import { binnedKolmogorovSmirnov } from './kolmogorov-smirnov.ts';
import { psi } from './psi.ts';
import { binnedWasserstein } from './wasserstein.ts';

/** Two histograms over the same 1–40 bins, each with at least one count. */
const pair = fc
  .integer({ min: 1, max: 40 })
  .chain((bins) =>
    fc.tuple(
      fc.array(fc.nat({ max: 1_000_000 }), { minLength: bins, maxLength: bins }),
      fc.array(fc.nat({ max: 1_000_000 }), { minLength: bins, maxLength: bins }),
    ),
  )
  .filter(([a, b]) => a.some((c) => c > 0) && b.some((c) => c > 0));

const support = (length: number) => Array.from({ length }, (_, i) => i * 1.5 - 3);

describe('drift statistics: properties over arbitrary histograms', () => {
  it('stay in range and are symmetric where the definition is', () => {
    fc.assert(
      fc.property(pair, ([a, b]) => {
        const js = jensenShannonDistance(a, b);
        expect(js).toBeGreaterThanOrEqual(0);
        expect(js).toBeLessThanOrEqual(1);
        expect(js).toBeCloseTo(jensenShannonDistance(b, a), 12);
        expect(psi(a, b)).toBeGreaterThanOrEqual(0);
        expect(psi(a, b)).toBeCloseTo(psi(b, a), 9);
        const chi = chiSquareHomogeneity(a, b);
        expect(chi.pValue).toBeGreaterThanOrEqual(0);
        expect(chi.pValue).toBeLessThanOrEqual(1);
        expect(chi.statistic).toBeGreaterThanOrEqual(0);
        expect(chiSquareHomogeneity(b, a).statistic).toBeCloseTo(chi.statistic, 6);
        const ks = binnedKolmogorovSmirnov(a, b);
        expect(ks.statistic).toBeGreaterThanOrEqual(0);
        expect(ks.statistic).toBeLessThanOrEqual(1 + 1e-12);
        expect(ks.pValue).toBeGreaterThanOrEqual(0);
        expect(ks.pValue).toBeLessThanOrEqual(1);
        const w = binnedWasserstein(support(a.length), a, b);
        expect(w).toBeGreaterThanOrEqual(0);
        expect(w).toBeCloseTo(binnedWasserstein(support(a.length), b, a), 9);
      }),
      { seed: 8, numRuns: 300 },
    );
  });

  it('give zero distance for histograms with the same shares, whatever their totals', () => {
    fc.assert(
      fc.property(pair, fc.integer({ min: 2, max: 1000 }), ([a], k) => {
        const b = a.map((c) => c * k);
        expect(jensenShannonDistance(a, b)).toBe(0);
        expect(psi(a, b)).toBeCloseTo(0, 12);
        expect(chiSquareHomogeneity(a, b).statistic).toBeCloseTo(0, 6);
        expect(binnedKolmogorovSmirnov(a, b).statistic).toBeCloseTo(0, 12);
        expect(binnedWasserstein(support(a.length), a, b)).toBeCloseTo(0, 12);
      }),
      { seed: 9, numRuns: 200 },
    );
  });

  it('Wasserstein of a histogram moved by whole bins is the distance moved', () => {
    fc.assert(
      fc.property(
        fc.array(fc.nat({ max: 1000 }), { minLength: 1, maxLength: 20 }).filter((a) => a.some((c) => c > 0)),
        fc.integer({ min: 1, max: 5 }),
        (a, bins) => {
          const padded = [...a, ...new Array<number>(bins).fill(0)];
          const moved = [...new Array<number>(bins).fill(0), ...a];
          // The support's spacing is 1.5, so moving by `bins` bins moves every unit of mass 1.5·bins.
          expect(binnedWasserstein(support(padded.length), padded, moved)).toBeCloseTo(1.5 * bins, 9);
        },
      ),
      { seed: 10, numRuns: 200 },
    );
  });

  it('refuse mismatched, negative, non-finite or empty histograms with INVALID_INPUT', () => {
    for (const [a, b] of [
      [[1, 2], [1]],
      [
        [1, -2],
        [1, 2],
      ],
      [
        [1, Number.NaN],
        [1, 2],
      ],
      [
        [0, 0],
        [1, 2],
      ],
      [[], []],
    ] as number[][][]) {
      for (const fn of [jensenShannonDistance, psi, chiSquareHomogeneity, binnedKolmogorovSmirnov]) {
        expect(() => fn(a as number[], b as number[])).toThrow(
          expect.objectContaining({ code: 'INVALID_INPUT' }),
        );
      }
    }
    expect(() => binnedWasserstein([0, 1], [1, 2, 3], [1, 2, 3])).toThrow(/support: has 2 points/);
    expect(() => binnedWasserstein([0, 2, 1], [1, 2, 3], [1, 2, 3])).toThrow(/support\.2: must not decrease/);
  });
});
