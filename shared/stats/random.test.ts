import { describe, expect, it } from 'vitest';
import { chiSquareSurvival, logGamma } from './special-functions.ts';
import { mulberry32, normalSampler, sampleBinomial, sampleCounts } from './random.ts';

/** Pearson's goodness-of-fit p-value of `draws` against Binomial(n, p), tail cells pooled to ≥ 5 expected. */
function binomialFitPValue(draws: readonly number[], [n, p]: [number, number]): number {
  const observed = new Map<number, number>();
  for (const k of draws) observed.set(k, (observed.get(k) ?? 0) + 1);
  const pmf = (k: number) =>
    Math.exp(
      logGamma(n + 1) - logGamma(k + 1) - logGamma(n - k + 1) + k * Math.log(p) + (n - k) * Math.log1p(-p),
    );
  let statistic = 0;
  let cells = 0;
  let pooledExpected = 0;
  let pooledObserved = 0;
  // Beyond 12 standard deviations the pmf is below 1e-30: no draw lands there.
  const spread = 12 * Math.sqrt(n * p * (1 - p)) + 10;
  const first = Math.max(0, Math.floor(n * p - spread));
  const last = Math.min(n, Math.ceil(n * p + spread));
  for (let k = first; k <= last; k++) {
    pooledExpected += draws.length * pmf(k);
    pooledObserved += observed.get(k) ?? 0;
    if (pooledExpected >= 5 || k === last) {
      statistic += (pooledObserved - pooledExpected) ** 2 / pooledExpected;
      cells++;
      pooledExpected = 0;
      pooledObserved = 0;
    }
  }
  return chiSquareSurvival(statistic, cells - 1);
}

describe('seeded random sampling for simulations', () => {
  it('mulberry32 is reproducible per seed and uniform in [0, 1)', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const values = Array.from({ length: 10_000 }, () => a());
    expect(values.slice(0, 5)).toEqual(Array.from({ length: 5 }, () => b()));
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...values)).toBeLessThan(1);
    expect(values.reduce((s, v) => s + v, 0) / values.length).toBeCloseTo(0.5, 1);
  });

  it('normalSampler has mean 0 and variance 1', () => {
    const normal = normalSampler(mulberry32(7));
    const values = Array.from({ length: 100_000 }, normal);
    const mean = values.reduce((s, v) => s + v, 0) / values.length;
    const variance = values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length;
    expect(mean).toBeCloseTo(0, 1);
    expect(variance).toBeCloseTo(1, 1);
  });

  // Both binomial branches (inversion below n·p = 10, BTRS above, and p > ½ by symmetry) must
  // follow the exact pmf: a chi-square goodness-of-fit test on 20,000 seeded draws each.
  for (const [n, p] of [
    [20, 0.2],
    [1000, 0.003],
    [60, 0.5],
    [1000, 0.3],
    [1_000_000, 0.01],
    [500, 0.93],
  ] as [number, number][]) {
    it(`sampleBinomial(${n}, ${p}) follows the binomial pmf`, () => {
      const random = mulberry32(n + Math.round(p * 1000));
      const draws = Array.from({ length: 20_000 }, () => sampleBinomial(random, n, p));
      expect(binomialFitPValue(draws, [n, p])).toBeGreaterThan(0.001);
      expect(draws.every((k) => Number.isInteger(k) && k >= 0 && k <= n)).toBe(true);
    });
  }

  it('sampleCounts draws exactly `size` items spread as the shares say', () => {
    const random = mulberry32(3);
    const shares = [1, 0, 2, 7];
    const totals = [0, 0, 0, 0];
    for (let trial = 0; trial < 1000; trial++) {
      const counts = sampleCounts(random, shares, 10_000);
      expect(counts.reduce((s, c) => s + c, 0)).toBe(10_000);
      counts.forEach((c, i) => (totals[i] = (totals[i] as number) + c));
    }
    expect(totals[1]).toBe(0);
    expect((totals[0] as number) / 1e7).toBeCloseTo(0.1, 3);
    expect((totals[2] as number) / 1e7).toBeCloseTo(0.2, 3);
    expect((totals[3] as number) / 1e7).toBeCloseTo(0.7, 3);
  });
});
