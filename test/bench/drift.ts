import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ReferenceProfile } from '../../shared/schemas/reference-profile.ts';
import { driftReport, type LiveCounts } from '../../shared/stats/drift-report.ts';
import { mulberry32, sampleCounts } from '../../shared/stats/random.ts';
import { normalCdf } from '../../shared/stats/special-functions.ts';
import { row, type BenchResult, type BenchRow } from './report.ts';

const settings = {
  features: 30,
  fewPredictions: 1000,
  manyPredictions: 1_000_000,
  iterations: 500,
  warmup: 50,
};

/** Live counts as `predictions` runs of a model that behaves like its reference leave them. */
function liveCounts(reference: ReferenceProfile, predictions: number, seed: number): LiveCounts {
  const random = mulberry32(seed);
  return {
    features: reference.features.map((f) => ({
      name: f.name,
      counts:
        f.kind === 'numeric'
          ? [0, ...sampleCounts(random, f.counts, predictions), 0]
          : [...sampleCounts(random, f.counts, predictions), 0],
    })),
    predictions: reference.predictions && {
      counts: sampleCounts(random, reference.predictions.counts, predictions),
    },
  };
}

/**
 * A profile like breast-cancer's but made from 5,000 reference samples (20 bins over ±4σ per
 * feature, 10 labels), so that a million predictions take the distance path.
 */
function largeProfile(): ReferenceProfile {
  const random = mulberry32(3);
  const edges = Array.from({ length: 21 }, (_, i) => -4 + i * 0.4);
  const shares = edges.slice(1).map((e, i) => normalCdf(e) - normalCdf(edges[i] as number));
  return {
    sampleCount: 5000,
    features: Array.from({ length: settings.features }, (_, i) => ({
      name: `feature_${i}`,
      kind: 'numeric' as const,
      edges,
      counts: sampleCounts(random, shares, 5000),
      std: 1,
    })),
    predictions: {
      labels: Array.from({ length: 10 }, (_, i) => String(i)),
      counts: sampleCounts(random, new Array<number>(10).fill(1), 5000),
    },
  };
}

/** Milliseconds per driftReport call: median and 99th percentile over `settings.iterations` calls. */
function time(reference: ReferenceProfile, live: LiveCounts): { median: number; p99: number } {
  for (let i = 0; i < settings.warmup; i++) driftReport(reference, live);
  const samples: number[] = [];
  for (let i = 0; i < settings.iterations; i++) {
    const start = performance.now();
    driftReport(reference, live);
    samples.push(performance.now() - start);
  }
  samples.sort((a, b) => a - b);
  const at = (q: number) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))] as number;
  return { median: at(0.5), p99: at(0.99) };
}

/** Two rows (median, p99) comparing the report over counts from 1M predictions with 1k. */
function compare(label: string, reference: ReferenceProfile): { rows: BenchRow[]; methods: string } {
  const few = liveCounts(reference, settings.fewPredictions, 1);
  const many = liveCounts(reference, settings.manyPredictions, 2);
  const methods = (live: LiveCounts) => [
    ...new Set(driftReport(reference, live).features.map((f) => f.method)),
  ];
  const fewTime = time(reference, few);
  const manyTime = time(reference, many);
  const metric = `drift report, ${label}: 1M predictions vs 1k`;
  return {
    rows: [
      row(metric, { unit: 'ms (median)', ferry: manyTime.median, baseline: fewTime.median, better: 'lower' }),
      row(metric, { unit: 'ms (p99)', ferry: manyTime.p99, baseline: fewTime.p99, better: 'lower' }),
    ],
    methods: `${label}: ${methods(few).join('/')} at 1k, ${methods(many).join('/')} at 1M`,
  };
}

/**
 * The drift report for 30 features and the predictions, with live counts summarising a thousand
 * and a million predictions side by side: the data is binned, so the cost must not grow with the
 * number of predictions (goal: under 50 ms, and within 2× of each other). Over breast-cancer's
 * real reference profile (114 samples: always the tests) and a 5,000-sample one (distances at 1M).
 */
export async function driftBenchmark(): Promise<BenchResult> {
  const root = path.resolve(import.meta.dirname, '..', '..');
  const manifest = JSON.parse(
    readFileSync(path.join(root, 'models', 'breast-cancer', 'ferry.json'), 'utf8'),
  ) as {
    reference: unknown;
  };
  const real = compare('breast-cancer profile', ReferenceProfile.parse(manifest.reference));
  const large = compare('5,000-sample profile', largeProfile());
  return {
    name: 'Drift report',
    description: `driftReport() for 30 numeric features and the predictions (${real.methods}; ${large.methods}). Goal: under 50 ms, and 1M within 2× of 1k.`,
    baseline: `the same report over counts from ${settings.fewPredictions.toLocaleString('en')} predictions`,
    settings,
    rows: [...real.rows, ...large.rows],
  };
}
