import { logGamma } from './special-functions.ts';

/** A seeded source of uniform numbers in [0, 1). */
export type Random = () => number;

/**
 * mulberry32, a small, fast 32-bit PRNG (Tommy Ettinger's, public domain) for seeded simulations
 * and benchmarks; statistically fine for those, not for anything secret.
 */
export function mulberry32(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal draws from `random` (Box–Muller, both values of each pair used). */
export function normalSampler(random: Random): () => number {
  let spare: number | null = null;
  return () => {
    if (spare !== null) {
      const value = spare;
      spare = null;
      return value;
    }
    const radius = Math.sqrt(-2 * Math.log(1 - random()));
    const angle = 2 * Math.PI * random();
    spare = radius * Math.sin(angle);
    return radius * Math.cos(angle);
  };
}

/** Binomial(n, p) for n·p < 10 by inversion, walking the pmf from 0 (numpy's `binomial_inversion`). */
function binomialByInversion(random: Random, n: number, p: number): number {
  const q = 1 - p;
  const s = p / q;
  const a = (n + 1) * s;
  for (;;) {
    let r = q ** n;
    let u = random();
    let k = 0;
    while (u > r) {
      u -= r;
      k++;
      r *= a / k - s;
      if (k > n) break; // rounding ran past the support: draw again
    }
    if (k <= n) return k;
  }
}

/**
 * Binomial(n, p) for p ≤ ½ and n·p ≥ 10 by Hörmann's transformed rejection with squeeze, BTRS
 * (W. Hörmann, "The generation of binomial random variates", J. Stat. Comput. Simul. 46, 1993);
 * exact, O(1) expected uniforms whatever n.
 */
function binomialByRejection(random: Random, n: number, p: number): number {
  const spq = Math.sqrt(n * p * (1 - p));
  const b = 1.15 + 2.53 * spq;
  const a = -0.0873 + 0.0248 * b + 0.01 * p;
  const c = n * p + 0.5;
  const vr = 0.92 - 4.2 / b;
  const alpha = (2.83 + 5.1 / b) * spq;
  const lpq = Math.log(p / (1 - p));
  const m = Math.floor((n + 1) * p);
  const h = logGamma(m + 1) + logGamma(n - m + 1);
  for (;;) {
    const u = random() - 0.5;
    const v = random();
    const us = 0.5 - Math.abs(u);
    const k = Math.floor(((2 * a) / us + b) * u + c);
    if (k < 0 || k > n) continue;
    if (us >= 0.07 && v <= vr) return k;
    const lhs = Math.log((v * alpha) / (a / (us * us) + b));
    if (lhs <= h - logGamma(k + 1) - logGamma(n - k + 1) + (k - m) * lpq) return k;
  }
}

/** One Binomial(n, p) draw: the number of successes in n trials of chance p. */
export function sampleBinomial(random: Random, n: number, p: number): number {
  if (n <= 0 || p <= 0) return 0;
  if (p >= 1) return n;
  if (p > 0.5) return n - sampleBinomial(random, n, 1 - p);
  return n * p < 10 ? binomialByInversion(random, n, p) : binomialByRejection(random, n, p);
}

/**
 * `size` draws from the categories with the given (unnormalised) `shares`, counted per category:
 * one multinomial sample, drawn as a chain of conditional binomials, so its cost depends on the
 * number of categories, not on `size`. Binning `size` values drawn one by one gives exactly this
 * distribution when `shares` are the bins' chances.
 */
export function sampleCounts(random: Random, shares: readonly number[], size: number): number[] {
  let mass = 0;
  for (const share of shares) mass += share;
  let left = size;
  return shares.map((share, i) => {
    const k =
      i === shares.length - 1 ? left : sampleBinomial(random, left, mass > 0 ? Math.min(1, share / mass) : 0);
    left -= k;
    mass -= share;
    return k;
  });
}
