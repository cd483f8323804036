import { readFileSync } from 'node:fs';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { isFerryError } from '../errors.ts';
import { DriftReport } from '../schemas/drift.ts';
import { ReferenceProfile } from '../schemas/reference-profile.ts';
import type { TelemetryBatch } from '../schemas/telemetry.ts';
import { driftReport, type LiveCounts } from './drift-report.ts';
import { judgeDrift } from './judge-drift.ts';

const profile: ReferenceProfile = {
  sampleCount: 400,
  features: [
    { name: 'size', kind: 'numeric', edges: [0, 1, 2, 3, 4], counts: [100, 100, 100, 100], std: 1.1 },
    { name: 'colour', kind: 'categorical', categories: ['red', 'green', 'blue'], counts: [200, 150, 50] },
  ],
  predictions: { labels: ['yes', 'no'], counts: [300, 100] },
};

/** Live counts the test may edit. */
interface EditableLive extends LiveCounts {
  features: { name: string; counts: number[] }[];
  predictions?: { counts: number[] };
}

/** Live counts in the same shares as the reference, `scale` times as many. */
function likeReference(scale: number): EditableLive {
  return {
    features: [
      { name: 'size', counts: [0, 100 * scale, 100 * scale, 100 * scale, 100 * scale, 0] },
      { name: 'colour', counts: [200 * scale, 150 * scale, 50 * scale, 0] },
    ],
    predictions: { counts: [300 * scale, 100 * scale] },
  };
}

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('driftReport', () => {
  it("takes the telemetry wire format's feature and prediction counts as they are (a type check)", () => {
    expectTypeOf<Pick<TelemetryBatch, 'features' | 'predictions'>>().toExtend<LiveCounts>();
  });

  it('reports every feature and the predictions with both histograms, method, statistic, threshold and status', () => {
    const report = driftReport(profile, likeReference(0.25));
    expect(DriftReport.parse(report)).toEqual(report);
    const [size, colour] = report.features;
    expect(size).toMatchObject({
      kind: 'numeric',
      name: 'size',
      edges: [0, 1, 2, 3, 4],
      reference: [0, 100, 100, 100, 100, 0],
      live: [0, 25, 25, 25, 25, 0],
      referenceCount: 400,
      liveCount: 100,
      method: 'ks',
      statistic: 0,
      pValue: 1,
      threshold: 0.005,
      psi: 0,
      status: 'not_drifted',
    });
    expect(colour).toMatchObject({
      kind: 'categorical',
      categories: ['red', 'green', 'blue'],
      reference: [200, 150, 50, 0],
      method: 'chi_square',
      status: 'not_drifted',
    });
    expect(report.predictions).toMatchObject({
      name: 'predictions',
      categories: ['yes', 'no'],
      reference: [300, 100, 0],
      live: [75, 25, 0],
      method: 'chi_square',
      status: 'not_drifted',
    });
    expect(report.summary).toEqual({
      features: 2,
      drifted: 0,
      notDrifted: 2,
      insufficientData: 0,
      driftedShare: 0,
    });
  });

  it('switches to the distances once the effective sample size passes the large-sample boundary', () => {
    const small = driftReport(profile, likeReference(100), { largeSample: 1000 });
    // n·m/(n+m) = 400·40,000/40,400 ≈ 396: still a test.
    expect(small.features.map((f) => f.method)).toEqual(['ks', 'chi_square']);
    const large = driftReport(profile, likeReference(100), { largeSample: 300 });
    expect(large.features.map((f) => f.method)).toEqual(['wasserstein', 'jensen_shannon']);
    expect(large.features.map((f) => [f.statistic, f.pValue, f.threshold])).toEqual([
      [0, null, 0.1],
      [0, null, 0.1],
    ]);
  });

  it('flags exactly the shifted feature, the predictions, and the share of features drifted', () => {
    const live = likeReference(1);
    live.features[0] = { name: 'size', counts: [0, 10, 40, 150, 150, 50] };
    live.predictions = { counts: [150, 250] };
    const report = driftReport(profile, live);
    expect(report.features.map((f) => f.status)).toEqual(['drifted', 'not_drifted']);
    expect(report.features[0]?.pValue).toBeLessThan(1e-10);
    expect(report.predictions?.status).toBe('drifted');
    expect(report.summary).toMatchObject({ drifted: 1, notDrifted: 1, driftedShare: 0.5 });
  });

  it('gives insufficient_data, not a verdict, below the minimum samples or without live counts', () => {
    const live = likeReference(1);
    live.features = [{ name: 'size', counts: [0, 29, 0, 0, 0, 0] }];
    const report = driftReport(profile, live, { minLiveSamples: 30 });
    const [size, colour] = report.features;
    expect(size?.status).toBe('insufficient_data');
    // The statistic is still shown (29 samples all in one bin), but it decides nothing.
    expect(size?.statistic).toBeGreaterThan(0.5);
    expect(colour).toMatchObject({
      status: 'insufficient_data',
      live: [0, 0, 0, 0],
      statistic: null,
      psi: null,
    });
    expect(report.summary).toMatchObject({
      drifted: 0,
      notDrifted: 0,
      insufficientData: 2,
      driftedShare: null,
    });
    const smallReference = driftReport(
      { ...profile, predictions: { labels: ['a'], counts: [10] } },
      likeReference(1),
      {
        minReferenceSamples: 11,
      },
    );
    expect(smallReference.predictions?.status).toBe('insufficient_data');
  });

  it('accepts predictions with an "other" count and refuses live counts on the wrong bins, naming the field', () => {
    const withOther = likeReference(1);
    withOther.predictions = { counts: [300, 100, 5] };
    expect(driftReport(profile, withOther).predictions?.live).toEqual([300, 100, 5]);

    const short = likeReference(1);
    short.features[0] = { name: 'size', counts: [100, 100, 100, 100] };
    const error = thrown(() => driftReport(profile, short));
    expect(isFerryError(error) && error.code).toBe('INVALID_INPUT');
    expect((error as Error).message).toBe(
      'live.features.size: has 4 bins, but the reference profile gives 6',
    );

    const negative = likeReference(1);
    negative.features[1] = { name: 'colour', counts: [1, -1, 0, 0] };
    expect((thrown(() => driftReport(profile, negative)) as Error).message).toBe(
      'live.features.colour.1: must be a finite, non-negative count',
    );
    const nan = likeReference(1);
    nan.predictions = { counts: [1, Number.NaN] };
    expect((thrown(() => driftReport(profile, nan)) as Error).message).toBe(
      'live.predictions.1: must be a finite, non-negative count',
    );
  });

  it('refuses bad options with INVALID_INPUT naming the option', () => {
    const error = thrown(() => driftReport(profile, likeReference(1), { pValueThreshold: 2 }));
    expect(isFerryError(error) && error.code).toBe('INVALID_INPUT');
    expect((error as Error).message).toMatch(/^drift options: pValueThreshold: /);
    expect(
      (thrown(() => driftReport(profile, likeReference(1), { minLiveSamples: 0 })) as Error).message,
    ).toMatch(/minLiveSamples/);
  });

  it('finds no drift in the breast-cancer model against its own reference histograms, and drift in two shifted features', () => {
    const manifest = JSON.parse(
      readFileSync(new URL('../../models/breast-cancer/ferry.json', import.meta.url), 'utf8'),
    ) as { reference: unknown };
    const reference = ReferenceProfile.parse(manifest.reference);
    const same: LiveCounts = {
      features: reference.features.map((f) => ({
        name: f.name,
        counts: [0, ...f.counts.map((c) => 3 * c), 0],
      })),
      predictions: { counts: reference.predictions?.counts.map((c) => 3 * c) ?? [] },
    };
    const calm = driftReport(reference, same);
    expect(calm.summary).toMatchObject({ features: 30, drifted: 0, notDrifted: 30 });
    expect(calm.predictions?.status).toBe('not_drifted');

    // Two features moved up by about two deciles: their mass slides two bins to the right.
    const shifted = {
      ...same,
      features: same.features.map((f, i) =>
        i === 0 || i === 7
          ? { name: f.name, counts: [0, 0, 0, ...f.counts.slice(1, -3), f.counts.at(-3) ?? 0] }
          : f,
      ),
    };
    const drift = driftReport(reference, shifted);
    expect(drift.features.filter((f) => f.status === 'drifted').map((f) => f.name)).toEqual([
      reference.features[0]?.name,
      reference.features[7]?.name,
    ]);
    expect(drift.summary.driftedShare).toBeCloseTo(2 / 30, 12);
  });
});

describe('judgeDrift', () => {
  it('normalises the Wasserstein distance by the reference spread it is given', () => {
    const input = {
      kind: 'numeric' as const,
      reference: [0, 5000, 5000, 0],
      live: [0, 0, 5000, 5000],
      support: [0, 0.5, 1.5, 2],
    };
    const options = {
      pValueThreshold: 0.005,
      wassersteinThreshold: 0.1,
      jensenShannonThreshold: 0.1,
      minLiveSamples: 30,
      minReferenceSamples: 30,
      largeSample: 1000,
    };
    // Half the mass moves 1.0 and half 0.5: W = 0.75, over a spread of 0.5 → 1.5.
    expect(judgeDrift({ ...input, scale: 0.5 }, options)).toMatchObject({
      method: 'wasserstein',
      statistic: 1.5,
    });
  });
});
