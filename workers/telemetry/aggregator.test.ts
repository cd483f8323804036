import { describe, expect, it } from 'vitest';
import { imageFeatures, inkGrid } from '$shared/features/image-features.ts';
import { binIndex } from '$shared/features/bin-index.ts';
import type { PublishedManifest } from '$shared/schemas/manifest.ts';
import { LATENCY_EDGES_MS, LOAD_TIME_EDGES_MS, TelemetryBatch } from '$shared/schemas/telemetry.ts';
import { imageToFeed, resampleRgb } from '../runtime/image-input.ts';
import { createAggregate, type RunEnvironment } from './aggregator.ts';
import { sealBatch } from './batch.ts';
import { publishedExample } from './example-manifests.test-support.ts';
import { createInputMeasure } from './measured-input.ts';

const wasm: RunEnvironment = {
  backend: 'wasm',
  threads: 2,
  crossOriginIsolated: true,
  webgpuAvailable: false,
};
const seal = (counts: ReturnType<ReturnType<typeof createAggregate>['take']>) =>
  sealBatch(counts, { firstEventAt: Date.now(), now: Date.now(), sdkVersion: '0.1.0', droppedBatches: 0 })
    .batch;

describe('createAggregate on the breast-cancer (tabular) bundle', () => {
  const manifest = publishedExample('breast-cancer');
  const defaults = Object.fromEntries(
    manifest.preprocessing.kind === 'tabular'
      ? manifest.preprocessing.features.map((f) => [f.name, f.default])
      : [],
  );

  it('counts each column on the reference edges with underflow and overflow, and the top-1 label', () => {
    const aggregate = createAggregate(manifest, wasm);
    const radius = [5, 7.691, 10.272, 28.11, 40, 12]; // under, first edge, second edge, top edge, over, in [11.94, 12.704)
    for (const value of radius) {
      const input = { ...defaults, mean_radius: value };
      aggregate.recordRun({
        latencyMs: 0.3,
        measured: createInputMeasure(manifest).measure(input, undefined)!,
        scores: [{ label: 'benign', index: 1, score: 0.97 }],
      });
    }
    const batch = seal(aggregate.take());
    const counts = batch.features.find((f) => f.name === 'mean_radius')!.counts;
    // 10 bins + under/overflow; the top edge counts in the last bin.
    expect(counts).toEqual([1, 1, 1, 0, 1, 0, 0, 0, 0, 0, 1, 1]);
    expect(batch.features).toHaveLength(30);
    expect(batch.runs).toBe(6);
    expect(batch.predictions?.counts).toEqual([0, 6]);
    expect(
      batch.predictions?.topScore[
        binIndex(
          [...Array(21).keys()].map((i) => i / 20),
          0.97,
        )
      ],
    ).toBe(6);
    expect(batch.latencyMs.wasm?.[binIndex(LATENCY_EDGES_MS, 0.3)]).toBe(6);
    expect(batch.environment).toEqual({
      backend: { wasm: 6 },
      threads: { '2': 6 },
      crossOriginIsolated: { yes: 6, no: 0 },
      webgpuAvailable: { yes: 0, no: 6 },
    });
    expect(TelemetryBatch.safeParse(batch).success).toBe(true);
  });

  it('counts failed runs by code and loads by kind, bytes, time and fallback reason', () => {
    const aggregate = createAggregate(manifest, wasm);
    aggregate.recordError('INVALID_INPUT');
    aggregate.recordError('INVALID_INPUT');
    aggregate.recordLoad({
      fromCache: false,
      bytesDownloaded: 3000,
      loadMs: 250,
      fallback: 'no-webgpu-adapter',
    });
    aggregate.recordLoad({ fromCache: true, bytesDownloaded: 0, loadMs: 12 });
    const batch = seal(aggregate.take());
    expect(batch.runs).toBe(2);
    expect(batch.errors).toEqual({ INVALID_INPUT: 2 });
    expect(batch.loads.cold).toBe(1);
    expect(batch.loads.warm).toBe(1);
    expect(batch.loads.bytesDownloaded).toBe(3000);
    expect(batch.loads.fallbacks).toEqual({ 'no-webgpu-adapter': 1 });
    expect(batch.loads.timeMs[binIndex(LOAD_TIME_EDGES_MS, 250)]).toBe(1);
    expect(batch.loads.timeMs.reduce((a, b) => a + b, 0)).toBe(2);
    expect(batch.latencyMs).toEqual({});
  });

  it('starts from zero after take()', () => {
    const aggregate = createAggregate(manifest, wasm);
    aggregate.recordError('INFERENCE_FAILED');
    expect(aggregate.firstEventAt).toBeTypeOf('number');
    aggregate.take();
    expect(aggregate.runs).toBe(0);
    expect(aggregate.firstEventAt).toBeUndefined();
    const empty = aggregate.take();
    expect(empty.runs).toBe(0);
    expect(empty.features.every((f) => f.counts.every((c) => c === 0))).toBe(true);
  });
});

describe('createInputMeasure on the digits (image) bundle', () => {
  const manifest = publishedExample('digits');
  const pre = manifest.preprocessing as Extract<PublishedManifest['preprocessing'], { kind: 'image' }>;

  it('recovers from the model input the ink grid shared/features computes from the luminance plane', () => {
    // A 40×40 drawing: a dark stroke on white paper, as a canvas gives it.
    const width = 40;
    const rgba = new Uint8ClampedArray(width * width * 4).fill(255);
    for (let y = 8; y < 34; y++) {
      for (let x = 15 + (y % 5); x < 22 + (y % 5); x++)
        rgba.fill(20, (y * width + x) * 4, (y * width + x) * 4 + 3);
    }
    const image = { data: rgba, width, height: width };
    const feed = imageToFeed(image, pre);
    const measured = createInputMeasure(manifest).measure({ image }, { inputs: { [pre.input]: feed } });
    expect(measured?.kind).toBe('image');
    const { channels } = resampleRgb(image, pre.width, pre.height);
    const luminance = channels[0]!.map(
      (r, i) => 0.299 * r + 0.587 * channels[1]![i]! + 0.114 * channels[2]![i]!,
    );
    const expected = imageFeatures(inkGrid(luminance, pre, pre.invert));
    const actual = imageFeatures((measured as Extract<typeof measured, { kind: 'image' }>).grid);
    for (const [name, value] of Object.entries(expected))
      expect(actual[name as keyof typeof actual]).toBeCloseTo(value, 4);
    expect(expected.ink_width).toBeGreaterThan(0);
  });

  it('measures the feed where it lies, sizes it by its bytes, and lets go of it on release', () => {
    const inputs = createInputMeasure(manifest);
    const data = Float32Array.from({ length: 64 }, (_, i) => (i % 9) / 8);
    const seen = { inputs: { [pre.input]: { type: 'float32' as const, dims: [1, 1, 8, 8], data } } };
    const measured = inputs.measure({ pixels: { data, dims: [1, 1, 8, 8] } }, seen);
    const grid = (measured as Extract<typeof measured, { kind: 'image' }>).grid;
    expect(grid.ink).toBe(data);
    const factor = 16 / 255 / pre.scale;
    const ink = Float64Array.from(data, (v) => v * factor);
    expect(imageFeatures(grid)).toEqual(imageFeatures({ width: 8, height: 8, ink }));
    expect(inputs.bytes({}, seen)).toBe(data.byteLength);
    inputs.release();
    expect(grid.ink).toHaveLength(0);
  });

  it('gives no image measure for a feed of the wrong size, so the run counts without features', () => {
    const feed = { type: 'float32' as const, dims: [1, 1, 4, 4], data: new Float32Array(16) };
    expect(
      createInputMeasure(manifest).measure(
        { pixels: { data: feed.data, dims: feed.dims } },
        { inputs: { pixels: feed } },
      ),
    ).toBeUndefined();
  });
});

describe('createInputMeasure on the debian-sections (text) bundle', () => {
  it('measures the text of a string or { text } input', () => {
    const manifest = publishedExample('debian-sections');
    expect(createInputMeasure(manifest).measure('two words', undefined)).toEqual({
      kind: 'text',
      text: 'two words',
    });
    expect(createInputMeasure(manifest).measure({ text: 'x' }, undefined)).toEqual({
      kind: 'text',
      text: 'x',
    });
  });
});
