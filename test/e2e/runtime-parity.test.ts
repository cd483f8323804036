import { readFileSync } from 'node:fs';
import path from 'node:path';
import type * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundlePath, readBundleJson, readManifest } from '../../models/lib/bundle-files.ts';
import { openSession, openSessionAt, runFloat } from '../../models/lib/inference.ts';
import { DetectionExpected, SampleSet } from '../../shared/schemas/samples.ts';
import { pixelsInput } from './support/harness.ts';
import { maxAbsDiff } from './support/node-reference.ts';
import { root, startStack, type Stack } from './support/stack.ts';

const samplesOf = (bundle: string) => SampleSet.parse(readBundleJson(bundle, 'samples.json')).samples;
const digits = samplesOf('digits').map(({ id, input }) => {
  if (!('pixels' in input)) throw new Error(`digits/samples.json ${id}: no gray + pixels input`);
  return { id, input };
});
const cancer = samplesOf('breast-cancer').map(({ id, input }) => {
  if (!('features' in input)) throw new Error(`breast-cancer/samples.json ${id}: no features input`);
  return { id, input };
});
const cancerPreprocessing = readManifest('breast-cancer').preprocessing;
if (cancerPreprocessing.kind !== 'tabular') throw new Error('breast-cancer preprocessing must be tabular');
const cancerFeatures = cancerPreprocessing.features.map((f) => f.name);

/** An 8×8 grayscale sample as opaque RGBA pixels, as a canvas would hold them. */
const rgbaOf = (gray: number[][]) => gray.flat().flatMap((g) => [g, g, g, 255]);

/** The onnxruntime-node reference: one CPU session per model, for the whole file. */
const sessions: Partial<Record<'digits' | 'cancer' | 'tinyCnn', ort.InferenceSession>> = {};
const session = (name: keyof typeof sessions) => sessions[name] as ort.InferenceSession;
/** onnxruntime-node's digits logits per sample, shared by both digits tests. */
const digitsLogits = new Map<(typeof digits)[number], Float32Array>();

let stack: Stack;
beforeAll(async () => {
  sessions.digits = await openSession('digits');
  sessions.cancer = await openSession('breast-cancer');
  sessions.tinyCnn = await openSessionAt(path.join(root, 'test/fixtures/runtime/tiny-cnn/model.onnx'));
  for (const sample of digits) {
    const data = Float32Array.from(sample.input.pixels.flat());
    digitsLogits.set(
      sample,
      await runFloat(session('digits'), { name: 'pixels', data, dims: [1, 1, 8, 8] }, 'logits'),
    );
  }
  stack = await startStack();
  await stack.publish('models/digits');
  await stack.publish('models/breast-cancer');
  await stack.publish('test/fixtures/runtime/tiny-cnn');
  await stack.publish('models/paddleocr-det');
  await stack.h.open('c', stack.clientOptions({ backend: 'wasm' }));
  // Several models load at once in one worker.
  const names = ['digits', 'breast-cancer', 'tiny-cnn', 'paddleocr-det'];
  const loads = await Promise.all(names.map((name) => stack.h.load('c', name)));
  expect(loads.map((l) => l.error ?? l.info?.name)).toEqual(names);
});
afterAll(async () => {
  await stack?.close();
  for (const opened of Object.values(sessions)) await opened.release();
});

describe('outputs in the browser worker match onnxruntime-node within 1e-4', () => {
  it('digits, fed named tensors', async () => {
    for (const sample of digits) {
      const pixels = sample.input.pixels.flat();
      const browser = await stack.h.run(
        'digits',
        pixelsInput((i) => pixels[i] as number),
      );
      const node = digitsLogits.get(sample) ?? [];
      expect(maxAbsDiff(browser.result?.outputs.logits?.data ?? [], node), sample.id).toBeLessThan(1e-4);
    }
  });

  it('digits, fed an ImageData through the manifest image preprocessing', async () => {
    for (const sample of digits) {
      const browser = await stack.h.run('digits', {
        kind: 'image',
        width: 8,
        height: 8,
        rgba: rgbaOf(sample.input.gray),
      });
      const node = digitsLogits.get(sample) ?? [];
      expect(maxAbsDiff(browser.result?.outputs.logits?.data ?? [], node), sample.id).toBeLessThan(1e-4);
      expect(browser.result?.scores?.[0]?.score).toBeGreaterThan(0);
    }
  });

  it('breast-cancer, fed named feature values through the tabular preprocessing', async () => {
    for (const sample of cancer) {
      const browser = await stack.h.run('breast-cancer', { kind: 'tabular', values: sample.input.features });
      const data = Float32Array.from(cancerFeatures, (name) => sample.input.features[name] as number);
      const node = await runFloat(
        session('cancer'),
        { name: 'features', data, dims: [1, data.length] },
        'probabilities',
      );
      const probabilities = browser.result?.outputs.probabilities?.data ?? [];
      expect(maxAbsDiff(probabilities, node), sample.id).toBeLessThan(1e-4);
      const byLabel = Object.fromEntries((browser.result?.scores ?? []).map((s) => [s.label, s.score]));
      expect(byLabel.malignant).toBeCloseTo(probabilities[0] ?? NaN, 6);
    }
  });

  it('tiny-cnn on random inputs, with output buffers transferred (not copied) to the page', async () => {
    for (let seed = 1; seed <= 5; seed++) {
      const input = pixelsInput((i) => Math.sin(seed * 97 + i * 13) * 8 + 8);
      const browser = await stack.h.run('tiny-cnn', input);
      const { data, dims } = input.tensors.pixels;
      const node = await runFloat(
        session('tinyCnn'),
        { name: 'pixels', data: Float32Array.from(data), dims },
        'logits',
      );
      expect(maxAbsDiff(browser.result?.outputs.logits?.data ?? [], node)).toBeLessThan(1e-4);
      expect(browser.detached, 'the input buffer moved to the worker').toEqual([true]);
      expect(browser.result?.outputs.logits?.transferable).toBe(true);
    }
    // What a benchmark subtracts from run()'s round trips: the session.run of each of those calls.
    const { inference } = (await stack.h.status('c')).models.find((m) => m.name === 'tiny-cnn') ?? {};
    expect(inference?.runs).toBe(5);
    expect(inference?.ms).toBeGreaterThan(0);
  });
});

describe('text detection', () => {
  it('finds the same boxes in the bundle sample image as onnxruntime-node did (samples.json)', async () => {
    const [sample] = samplesOf('paddleocr-det');
    if (!sample || !('image' in sample.input)) throw new Error('paddleocr-det/samples.json: no image sample');
    const run = await stack.h.runBundleImage('paddleocr-det', sample.input.image);
    expect(run.dims['sigmoid_0.tmp_0']).toEqual([1, 1, 320, 320]);
    const expected = DetectionExpected.parse(sample.expected).boxes;
    expect(run.boxes).toHaveLength(expected.length);
    run.boxes?.forEach((box, i) => {
      const want = expected[i]!;
      for (const key of ['x', 'y', 'width', 'height'] as const)
        expect(Math.abs(box[key] - want[key])).toBeLessThan(0.5);
      expect(box.score).toBeCloseTo(want.score, 3);
    });
  });

  it('serves bundle files verified, and refuses a path the bundle lacks', async () => {
    const ok = await stack.h.runBundleImage('paddleocr-det', 'sample.png');
    expect(ok.fileBytes).toBe(readFileSync(bundlePath('paddleocr-det', 'sample.png')).length);
    await expect(stack.h.runBundleImage('paddleocr-det', 'missing.png')).rejects.toThrow(
      /INVALID_INPUT|not a file/,
    );
  });
});

describe('bad input', () => {
  it('is refused with INVALID_INPUT naming the field, and the model keeps working', async () => {
    const missing = await stack.h.run('breast-cancer', { kind: 'tabular', values: { mean_radius: 14 } });
    expect(missing.error).toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringContaining('mean_texture'),
    });
    const wrongShape = await stack.h.run('digits', {
      kind: 'tensors',
      tensors: { pixels: { type: 'float32', data: [1, 2, 3], dims: [1, 3] } },
    });
    expect(wrongShape.error).toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringContaining('pixels'),
    });
    const ok = await stack.h.run('breast-cancer', { kind: 'tabular', values: cancer[0]!.input.features });
    expect(ok.ok).toBe(true);
  });
});
