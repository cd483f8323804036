import { describe, expect, it } from 'vitest';
import { mulberry32 } from '$shared/stats/random.ts';
import { cryptoUniform, discreteLaplace, discreteLaplaceVariance, noisyCount } from './noise.ts';

const draws = (n: number, draw: () => number) => Array.from({ length: n }, draw);
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const variance = (xs: number[]) => {
  const m = mean(xs);
  return xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1);
};

describe('discrete Laplace noise', () => {
  it.each([
    [1, 1],
    [0.5, 14],
    [2, 3],
  ])(
    'has mean 0 and variance 2α/(1−α)² at ε=%s, sensitivity %s over 200,000 seeded draws',
    (epsilon, sensitivity) => {
      const uniform = mulberry32(20261201 + sensitivity);
      const xs = draws(200_000, () => discreteLaplace(epsilon, sensitivity, uniform));
      const expected = discreteLaplaceVariance(epsilon, sensitivity);
      // Mean within 4 standard errors of 0; variance within 3 % (its own standard error is ≈ 0.6 %).
      expect(Math.abs(mean(xs))).toBeLessThan(4 * Math.sqrt(expected / xs.length));
      expect(variance(xs) / expected).toBeGreaterThan(0.97);
      expect(variance(xs) / expected).toBeLessThan(1.03);
      expect(xs.every(Number.isInteger)).toBe(true);
    },
  );

  it('matches the hand-computed variance for ε = ln 2, sensitivity 1 (α = ½ → 4)', () => {
    expect(discreteLaplaceVariance(Math.log(2), 1)).toBeCloseTo(4, 12);
  });

  it('gives P(0) = (1−α)/(1+α), the distribution’s mass at zero', () => {
    const uniform = mulberry32(7);
    const alpha = Math.exp(-1);
    const xs = draws(200_000, () => discreteLaplace(1, 1, uniform));
    const zeros = xs.filter((x) => x === 0).length / xs.length;
    expect(zeros).toBeCloseTo((1 - alpha) / (1 + alpha), 2);
  });

  it('clamps a noisy count to [0, max] and keeps it an integer', () => {
    const uniform = mulberry32(3);
    const values = draws(10_000, () => noisyCount(0, { epsilon: 0.1, sensitivity: 10, max: 5 }, uniform));
    expect(Math.min(...values)).toBe(0);
    expect(Math.max(...values)).toBe(5);
    expect(values.every(Number.isInteger)).toBe(true);
  });

  it('draws CSPRNG uniforms in [0, 1) that are not all alike', () => {
    const uniform = cryptoUniform();
    const xs = draws(1000, uniform);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(new Set(xs).size).toBe(1000);
  });
});
