import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { telemetryBatch } from '../testing/telemetry-batch.ts';
import { aggregateOf, mergeAggregates } from './aggregate.ts';
import { copyAggregate, mergeInto } from './merge-in-place.ts';
import type { TelemetryAggregate } from './store.ts';

const count = fc.nat(1000);
/** Aggregates whose parts are each present or absent, with features in any order and bins of two widths. */
const aggregate = fc
  .record({
    runs: count,
    errors: fc.dictionary(fc.constantFrom('INFERENCE_FAILED', 'INVALID_INPUT'), count),
    webgpu: fc.option(count, { nil: undefined }),
    fallback: fc.option(count, { nil: undefined }),
    features: fc.uniqueArray(
      fc.record({ name: fc.constantFrom('a', 'b', 'c', 'd'), bins: fc.constantFrom(6, 6, 6, 3), n: count }),
      { selector: (f) => f.name, maxLength: 4 },
    ),
    predictions: fc.option(fc.record({ labels: fc.constantFrom(3, 3, 2), n: count }), { nil: undefined }),
    dropped: fc.option(count, { nil: undefined }),
    threads: fc.constantFrom('1', '2', '3-4'),
  })
  .map((r): TelemetryAggregate =>
    aggregateOf(
      telemetryBatch({ runs: r.runs }, (b) => {
        b.errors = r.errors;
        if (r.webgpu !== undefined)
          b.latencyMs.webgpu = b.latencyMs.wasm!.map((_, i) => (i === 4 ? r.webgpu! : 0));
        if (r.fallback !== undefined) b.loads.fallbacks = { 'no-webgpu-adapter': r.fallback };
        b.features = r.features.map((f) => ({
          name: f.name,
          counts: Array.from({ length: f.bins }, (_, i) => f.n + i),
        }));
        if (r.predictions === undefined) delete b.predictions;
        else b.predictions!.counts = Array.from({ length: r.predictions.labels }, () => r.predictions!.n);
        if (r.dropped !== undefined) b.droppedBatches = r.dropped;
        b.environment.threads = { [r.threads]: r.runs };
      }),
    ),
  );

function outcome<T>(merge: () => T): { value: T } | { error: string } {
  try {
    return { value: merge() };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

describe('mergeInto', () => {
  it('leaves the target equal to mergeAggregates of the two, or throws its error and changes nothing (property)', () => {
    let mismatches = 0;
    fc.assert(
      fc.property(aggregate, aggregate, (a, b) => {
        const before = JSON.stringify([a, b]);
        const target = copyAggregate(a);
        const expected = outcome(() => mergeAggregates(a, b));
        const actual = outcome(() => {
          mergeInto(target, b);
          return target;
        });
        expect(actual).toEqual(expected);
        if ('error' in expected) {
          mismatches++;
          expect(target).toEqual(a);
        }
        // The copy shares nothing: neither input changed.
        expect(JSON.stringify([a, b])).toBe(before);
      }),
      { numRuns: 500 },
    );
    expect(mismatches).toBeGreaterThan(20);
  });

  it('adds a run of batches into one target as mergeAggregates folds them', () => {
    fc.assert(
      fc.property(fc.array(aggregate, { minLength: 1, maxLength: 6 }), (list) => {
        const target = copyAggregate(list[0]!);
        let expected: TelemetryAggregate | null = list[0]!;
        for (const next of list.slice(1)) {
          const merged = outcome(() => mergeAggregates(expected!, next));
          if ('error' in merged) continue;
          expected = merged.value;
          mergeInto(target, next);
        }
        expect(target).toEqual(expected);
      }),
      { numRuns: 200 },
    );
  });
});
