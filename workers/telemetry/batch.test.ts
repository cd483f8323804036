import { describe, expect, it } from 'vitest';
import { mulberry32 } from '$shared/stats/random.ts';
import { TelemetryBatch } from '$shared/schemas/telemetry.ts';
import { createAggregate } from './aggregator.ts';
import { publishedExample } from './example-manifests.test-support.ts';
import { minuteWindow, newBatchId, noisedCounts, sealBatch } from './batch.ts';

const env = { backend: 'wasm' as const, threads: 4, crossOriginIsolated: true, webgpuAvailable: true };

function digitsCounts(runs: number) {
  const aggregate = createAggregate(publishedExample('digits'), env);
  for (let i = 0; i < runs; i++)
    aggregate.recordRun({ latencyMs: 0.4, scores: [{ label: '7', index: 7, score: 0.9 }] });
  return aggregate.take();
}

describe('minuteWindow', () => {
  it('starts at the first event’s minute and ends at the minute after now', () => {
    const first = Date.parse('2026-12-01T23:41:17.250Z');
    const now = Date.parse('2026-12-01T23:43:05Z');
    expect(minuteWindow(first, now)).toEqual({
      windowStart: '2026-12-01T23:41:00Z',
      windowEnd: '2026-12-01T23:44:00Z',
    });
  });

  it('is at least one minute long, even on a minute boundary', () => {
    const at = Date.parse('2026-12-01T23:41:00Z');
    expect(minuteWindow(at, at)).toEqual({
      windowStart: '2026-12-01T23:41:00Z',
      windowEnd: '2026-12-01T23:42:00Z',
    });
  });
});

describe('sealBatch', () => {
  const options = { firstEventAt: Date.now(), now: Date.now(), sdkVersion: '0.1.0', droppedBatches: 0 };

  it('gives each batch a fresh 128-bit id and a schema-valid body equal to its batch', () => {
    const ids = new Set(Array.from({ length: 1000 }, newBatchId));
    expect(ids.size).toBe(1000);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{32}$/);
    const { batch, body } = sealBatch(digitsCounts(3), options);
    expect(TelemetryBatch.parse(JSON.parse(body))).toEqual(batch);
    expect(batch.runs).toBe(3);
    expect(batch.droppedBatches).toBeUndefined();
  });

  it('reports queue drops', () => {
    expect(sealBatch(digitsCounts(1), { ...options, droppedBatches: 4 }).batch.droppedBatches).toBe(4);
  });

  it('refuses to seal counts the wire format does not allow, naming the field', () => {
    const counts = { ...digitsCounts(1), runs: -1 };
    expect(() => sealBatch(counts, options)).toThrow(
      expect.objectContaining({ code: 'INTERNAL', message: expect.stringContaining('runs') }),
    );
  });
});

describe('noisedCounts', () => {
  it('keeps the batch valid and perturbs counts around the exact ones', () => {
    const exact = digitsCounts(500);
    const uniform = mulberry32(99);
    const runs: number[] = [];
    for (let i = 0; i < 400; i++) {
      const noisy = noisedCounts(exact, { epsilon: 1, sensitivity: 14 }, uniform);
      runs.push(noisy.runs);
      if (i < 20)
        expect(
          TelemetryBatch.safeParse(
            sealBatch(noisy, { firstEventAt: 0, now: 0, sdkVersion: '0.1.0', droppedBatches: 0 }).batch,
          ).success,
        ).toBe(true);
    }
    const mean = runs.reduce((a, b) => a + b, 0) / runs.length;
    expect(new Set(runs).size).toBeGreaterThan(10);
    // Standard deviation ≈ 19.8 at ε/Δ = 1/14; the mean of 400 draws is within ±4 of 500 with room to spare.
    expect(Math.abs(mean - 500)).toBeLessThan(4);
  });

  it('noises the zero counts of closed key sets too, so a key’s presence tells nothing', () => {
    const uniform = mulberry32(5);
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const noisy = noisedCounts(digitsCounts(0), { epsilon: 0.5, sensitivity: 14 }, uniform);
      for (const code of Object.keys(noisy.errors)) seen.add(code);
    }
    expect(seen.size).toBeGreaterThan(5);
  });
});
