// Seeded simulations that calibrate the drift defaults (issue 8): with no shift at most 1% false
// alarms per feature at n = 100 and n = 10,000 live samples, and a +0.5σ shift detected in at least
// 95% of trials at n = 1,000. Each trial draws a fresh reference profile, built the way the example
// models build theirs, and a fresh live sample; the observed rates are printed and in docs/drift.md.
import { describe, expect, it } from 'vitest';
import type { ReferenceProfile } from '../schemas/reference-profile.ts';
import { driftReport } from './drift-report.ts';
import { mulberry32, normalSampler, sampleCounts, type Random } from './random.ts';
import { normalCdf } from './special-functions.ts';
import { binSupport, weightedStd } from './wasserstein.ts';

const TRIALS = 2000;
// Generous: the simulations take a few seconds of CPU, but CI runs many test files at once on two cores.
const TIMEOUT_MS = 120_000;

/** numpy's default (linear) quantile of a sorted sample. */
function quantile(sorted: Float64Array, q: number): number {
  const position = q * (sorted.length - 1);
  const low = Math.floor(position);
  const high = Math.min(low + 1, sorted.length - 1);
  return (sorted[low] as number) + (position - low) * ((sorted[high] as number) - (sorted[low] as number));
}

/**
 * Chances of N(shift, 1) on the live layout `[underflow, …bins…, overflow]` of `edges`, and on the
 * reference layout, where the example profiles fold values outside the edges into the outer bins.
 * Binning n normal draws is exactly a multinomial draw with these chances, which is how the
 * simulation samples: the same distribution as drawing values one by one, many times faster.
 */
function binChances(edges: readonly number[], shift: number): { live: number[]; folded: number[] } {
  const cdf = edges.map((e) => normalCdf(e - shift));
  const live = [cdf[0] as number];
  for (let i = 1; i < cdf.length; i++) live.push((cdf[i] as number) - (cdf[i - 1] as number));
  live.push(1 - (cdf[cdf.length - 1] as number));
  const folded = live.slice(1, -1);
  folded[0] = (folded[0] as number) + (live[0] as number);
  folded[folded.length - 1] = (folded[folded.length - 1] as number) + (live[live.length - 1] as number);
  return { live, folded };
}

/** The std (ddof 0) of a sample binned at `support`, standing in for the held-out sample's own std. */
function countsStd(counts: readonly number[], support: readonly number[]): number {
  return weightedStd(support, counts);
}

/** How a simulated reference profile is binned. */
type Binning =
  /** breast-cancer's way: deciles of a training sample 4× the reference, its min and max outermost. */
  | 'training-deciles'
  /** digits' way: fixed, evenly spaced edges (here 16 bins of 0.5σ over ±4σ). */
  | 'linspace';

/**
 * Bin edges as the example profiles choose them. The edges are fixed by the model; what varies
 * from one deployment to the next is the held-out reference sample and the live sample, so each
 * set of training-decile edges serves {@link TRIALS_PER_EDGES} trials (100 sets in all).
 */
function numericEdges(binning: Binning, referenceSize: number, random: Random): number[] {
  if (binning === 'linspace') return Array.from({ length: 17 }, (_, i) => -4 + i * 0.5);
  const normal = normalSampler(random);
  const training = new Float64Array(4 * referenceSize);
  for (let i = 0; i < training.length; i++) training[i] = normal();
  training.sort();
  return Array.from({ length: 11 }, (_, i) => quantile(training, i / 10));
}

const TRIALS_PER_EDGES = 20;

interface Rate {
  rate: number;
  methods: string;
}

/** Share of trials flagged drifted, and which methods decided. */
function alarmRate(trials: number, trial: () => { drifted: boolean; method: string }): Rate {
  let alarms = 0;
  const methods = new Map<string, number>();
  for (let t = 0; t < trials; t++) {
    const { drifted, method } = trial();
    if (drifted) alarms++;
    methods.set(method, (methods.get(method) ?? 0) + 1);
  }
  return { rate: alarms / trials, methods: [...methods.keys()].join('+') };
}

function numericRate(setting: {
  binning: Binning;
  referenceSize: number;
  liveSize: number;
  shift: number;
  seed: number;
}): Rate {
  const random = mulberry32(setting.seed);
  let edges: number[] = [];
  let reference: number[] = [];
  let shifted: number[] = [];
  let trial = 0;
  return alarmRate(TRIALS, () => {
    if (trial++ % TRIALS_PER_EDGES === 0) {
      edges = numericEdges(setting.binning, setting.referenceSize, random);
      reference = binChances(edges, 0).folded;
      shifted = binChances(edges, setting.shift).live;
    }
    const counts = sampleCounts(random, reference, setting.referenceSize);
    const feature = {
      name: 'x',
      kind: 'numeric' as const,
      edges,
      counts,
      std: countsStd(counts, binSupport(edges).slice(1, -1)),
    };
    const profile: ReferenceProfile = { sampleCount: setting.referenceSize, features: [feature] };
    const live = sampleCounts(random, shifted, setting.liveSize);
    const result = driftReport(profile, { features: [{ name: 'x', counts: live }] }).features[0];
    return { drifted: result?.status === 'drifted', method: result?.method ?? '' };
  });
}

function predictionRate(setting: {
  shares: readonly number[];
  liveShares?: readonly number[];
  referenceSize: number;
  liveSize: number;
  seed: number;
}): Rate {
  const random = mulberry32(setting.seed);
  const labels = setting.shares.map((_, i) => `label${i}`);
  return alarmRate(TRIALS, () => {
    const profile: ReferenceProfile = {
      sampleCount: setting.referenceSize,
      features: [],
      predictions: { labels, counts: sampleCounts(random, setting.shares, setting.referenceSize) },
    };
    const live = sampleCounts(random, setting.liveShares ?? setting.shares, setting.liveSize);
    const result = driftReport(profile, { features: [], predictions: { counts: live } }).predictions;
    return { drifted: result?.status === 'drifted', method: result?.method ?? '' };
  });
}

const percent = (r: Rate) => `${(100 * r.rate).toFixed(2)}% (${r.methods}, ${TRIALS} trials)`;

// digits' predicted classes (10, near uniform) and debian-sections' (8, skewed), as in their profiles.
const DIGITS_SHARES = [36, 37, 34, 37, 36, 37, 36, 36, 35, 36];
const DEBIAN_SHARES = [287, 476, 201, 241, 965, 317, 144, 74];

describe('drift defaults, calibrated by seeded simulation', () => {
  it(
    'no shift: at most 1% false alarms per numeric feature at n = 100 and n = 10,000',
    () => {
      const settings = [
        { binning: 'training-deciles', referenceSize: 360, liveSize: 100, seed: 1 },
        { binning: 'training-deciles', referenceSize: 360, liveSize: 10_000, seed: 2 },
        { binning: 'linspace', referenceSize: 5000, liveSize: 100, seed: 3 },
        { binning: 'linspace', referenceSize: 5000, liveSize: 10_000, seed: 4 },
      ] as const;
      for (const setting of settings) {
        const rate = numericRate({ ...setting, shift: 0 });
        console.info(
          `false alarms, ${setting.binning} reference of ${setting.referenceSize}, n = ${setting.liveSize}: ${percent(rate)}`,
        );
        expect(rate.rate).toBeLessThanOrEqual(0.01);
      }
    },
    TIMEOUT_MS,
  );

  it(
    'a +0.5σ shift in one feature is detected in at least 95% of trials at n = 1,000',
    () => {
      const settings = [
        { binning: 'training-deciles', referenceSize: 360, seed: 5 },
        { binning: 'linspace', referenceSize: 5000, seed: 6 },
      ] as const;
      for (const setting of settings) {
        const rate = numericRate({ ...setting, liveSize: 1000, shift: 0.5 });
        console.info(
          `detected +0.5σ, ${setting.binning} reference of ${setting.referenceSize}, n = 1000: ${percent(rate)}`,
        );
        expect(rate.rate).toBeGreaterThanOrEqual(0.95);
      }
    },
    TIMEOUT_MS,
  );

  it(
    'predictions: at most 1% false alarms at n = 100 and n = 10,000, and a label tripling its share is caught at n = 1,000',
    () => {
      const nulls = [
        { name: 'digits-like labels', shares: DIGITS_SHARES, referenceSize: 360, liveSize: 100, seed: 7 },
        { name: 'digits-like labels', shares: DIGITS_SHARES, referenceSize: 360, liveSize: 10_000, seed: 8 },
        { name: 'debian-like labels', shares: DEBIAN_SHARES, referenceSize: 2705, liveSize: 100, seed: 9 },
        {
          name: 'debian-like labels',
          shares: DEBIAN_SHARES,
          referenceSize: 2705,
          liveSize: 10_000,
          seed: 10,
        },
      ];
      for (const { name, ...setting } of nulls) {
        const rate = predictionRate(setting);
        console.info(
          `prediction false alarms, ${name}, reference ${setting.referenceSize}, n = ${setting.liveSize}: ${percent(rate)}`,
        );
        expect(rate.rate).toBeLessThanOrEqual(0.01);
      }
      const tripled = DIGITS_SHARES.map((s, i) => (i === 3 ? 3 * s : s));
      const shifted = predictionRate({
        shares: DIGITS_SHARES,
        liveShares: tripled,
        referenceSize: 360,
        liveSize: 1000,
        seed: 11,
      });
      console.info(`prediction drift detected (label 3 triples, ~10% → ~25%), n = 1000: ${percent(shifted)}`);
      expect(shifted.rate).toBeGreaterThanOrEqual(0.95);
    },
    TIMEOUT_MS,
  );
});
