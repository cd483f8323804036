import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { telemetryBatch } from '../testing/telemetry-batch.ts';
import { aggregateOf, mergeAggregates } from './aggregate.ts';
import type { TelemetryAggregate } from './store.ts';

const one = (runs: number, edit?: Parameters<typeof telemetryBatch>[1]) =>
  aggregateOf(telemetryBatch({ runs }, edit));

describe('aggregateOf', () => {
  it('keeps the counts of a batch, drops its identity and window, and counts one batch', () => {
    const batch = telemetryBatch({ runs: 3, droppedBatches: 2 });
    const aggregate = aggregateOf(batch);
    expect(aggregate).toMatchObject({ runs: 3, batches: 1, droppedBatches: 2, features: batch.features });
    for (const key of ['batchId', 'model', 'version', 'windowStart', 'sdkVersion', 'metadataVersion']) {
      expect(aggregate).not.toHaveProperty(key);
    }
  });
});

describe('mergeAggregates', () => {
  it('adds histograms bin-wise, records per key, and counts', () => {
    const a = one(2, (b) => {
      b.errors = { INFERENCE_FAILED: 1 };
      b.loads.fallbacks = { 'no-webgpu-adapter': 1 };
    });
    const b = one(5, (x) => {
      x.errors = { INFERENCE_FAILED: 2, INVALID_INPUT: 4 };
      x.latencyMs.webgpu = x.latencyMs.wasm!.map((_, i) => (i === 3 ? 7 : 0));
      x.environment.threads = { '3-4': 5 };
    });
    const merged = mergeAggregates(a, b);
    expect(merged.runs).toBe(7);
    expect(merged.batches).toBe(2);
    expect(merged.errors).toEqual({ INFERENCE_FAILED: 3, INVALID_INPUT: 4 });
    expect(merged.latencyMs.wasm?.[10]).toBe(7);
    expect(merged.latencyMs.webgpu?.[3]).toBe(7);
    expect(merged.loads).toMatchObject({ cold: 2, warm: 0, bytesDownloaded: 2000 });
    expect(merged.loads.timeMs[5]).toBe(2);
    expect(merged.loads.fallbacks).toEqual({ 'no-webgpu-adapter': 1 });
    expect(merged.features).toEqual([
      { name: 'a', counts: [0, 7, 0, 0, 0, 0] },
      { name: 'b', counts: [0, 0, 7, 0, 0, 0] },
    ]);
    expect(merged.predictions?.counts).toEqual([7, 0, 0]);
    expect(merged.environment.threads).toEqual({ '2': 2, '3-4': 5 });
    expect(merged.environment.crossOriginIsolated).toEqual({ yes: 7, no: 0 });
  });

  it('merges features by name, keeping a name seen on one side only', () => {
    const a = one(1, (b) => void (b.features = [{ name: 'a', counts: [1, 0, 0, 0, 0, 0] }]));
    const b = one(1, (x) => void (x.features = [{ name: 'b', counts: [0, 2, 0, 0, 0, 0] }]));
    expect(mergeAggregates(a, b).features.map((f) => f.name)).toEqual(['a', 'b']);
    expect(mergeAggregates(b, a).features.map((f) => f.name)).toEqual(['b', 'a']);
  });

  it('refuses features of the same name with different lengths, naming the feature', () => {
    const a = one(1);
    const b = one(1, (x) => void (x.features[0] = { name: 'a', counts: [1, 2, 3] }));
    expect(() => mergeAggregates(a, b)).toThrow(/features\.a\.counts: cannot merge 3 counts into 6/);
  });

  it('keeps predictions and droppedBatches when only one side has them', () => {
    const a = one(1, (b) => delete b.predictions);
    const b = one(1, (x) => void (x.droppedBatches = 3));
    const merged = mergeAggregates(a, b);
    expect(merged.predictions?.counts).toEqual([1, 0, 0]);
    expect(merged.droppedBatches).toBe(3);
    expect(mergeAggregates(a, a)).not.toHaveProperty('predictions');
    expect(mergeAggregates(a, a)).not.toHaveProperty('droppedBatches');
  });

  it('changes neither input', () => {
    const a = one(2);
    const b = one(3);
    const before = JSON.stringify([a, b]);
    mergeAggregates(a, b);
    expect(JSON.stringify([a, b])).toBe(before);
  });

  it('is associative and, up to feature order, commutative (property)', () => {
    const aggregate = fc
      .record({ runs: fc.nat(1000), err: fc.nat(50), feature: fc.constantFrom('a', 'b', 'c') })
      .map(({ runs, err, feature }): TelemetryAggregate =>
        one(runs, (b) => {
          b.errors = err > 0 ? { INFERENCE_FAILED: err } : {};
          b.features = [{ name: feature, counts: [runs, 0, 0, 0, 0, err] }];
        }),
      );
    const byName = (x: TelemetryAggregate) => ({
      ...x,
      features: [...x.features].sort((p, q) => p.name.localeCompare(q.name)),
    });
    fc.assert(
      fc.property(aggregate, aggregate, aggregate, (a, b, c) => {
        expect(mergeAggregates(mergeAggregates(a, b), c)).toEqual(mergeAggregates(a, mergeAggregates(b, c)));
        expect(byName(mergeAggregates(a, b))).toEqual(byName(mergeAggregates(b, a)));
      }),
    );
  });
});
