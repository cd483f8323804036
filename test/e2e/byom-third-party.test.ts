import { copyFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BundleManifest, type PublishedFile } from '../../shared/schemas/manifest.ts';
import { scaleBoxes, textBoxes } from '../../shared/vision/text-boxes.ts';
import { imageToFeed, type ImagePreprocessing } from '../../workers/runtime/image-input.ts';
import type { LoadProgress } from '../../workers/types.ts';
import { bundleVariant, removeTempDir } from '../support/bundles.ts';
import {
  copyThirdPartyModel,
  thirdPartyModels,
  type ThirdPartyModelId,
} from '../support/third-party-models.ts';
import { maxAbsDiff } from './support/node-reference.ts';
import { root, startStack, type Stack } from './support/stack.ts';

// Issue 10, points 4 and 6: three third-party ONNX models (PaddleOCR's direction classifier and
// recogniser, Silero VAD) published as bundles and run through the SDK in Chromium with the
// examples of docs/bring-your-own-model.md, each compared with onnxruntime-node.

const fixtures = {
  'paddleocr-cls': 'paddleocrCls',
  'paddleocr-rec': 'paddleocrRec',
  'silero-vad': 'sileroVad',
} as const satisfies Record<string, ThirdPartyModelId>;
type Name = keyof typeof fixtures;
const names = Object.keys(fixtures) as Name[];

const fixtureDir = (name: Name) => path.join(root, 'test/fixtures/bundles', name);
const imagePreprocessing = (name: Name): ImagePreprocessing => {
  const manifest = BundleManifest.parse(
    JSON.parse(readFileSync(path.join(fixtureDir(name), 'ferry.json'), 'utf8')),
  );
  if (manifest.preprocessing.kind !== 'image') throw new Error(`${name}: no image preprocessing`);
  return manifest.preprocessing;
};
/** The image preprocessing a bundle folder's ferry.json declares (with defaults). */
const imagePreprocessingOf = (dir: string) =>
  BundleManifest.parse(JSON.parse(readFileSync(path.join(root, dir, 'ferry.json'), 'utf8'))).preprocessing;
const keysFile = path.join(path.dirname(thirdPartyModels.paddleocrRec.file), 'ppocr_keys_v1.txt');

/** A bundle folder for `name`: the committed ferry.json plus the third-party files, in a temp dir. */
function thirdPartyBundle(name: Name, edit: (manifest: Record<string, unknown>) => void = () => {}) {
  return bundleVariant(fixtureDir(name), (manifest, dir) => {
    copyThirdPartyModel(fixtures[name], dir);
    if (name === 'paddleocr-rec') copyFileSync(keysFile, path.join(dir, 'ppocr_keys_v1.txt'));
    edit(manifest);
  });
}

/** A tensor as it comes back from the page: plain numbers. */
interface PlainTensor {
  dims: number[];
  data: number[];
}

/** An image as it comes back from the page: RGBA bytes as plain numbers. */
interface PlainImage {
  width: number;
  height: number;
  rgba: number[];
}

interface ByomWindow {
  byom: {
    models: Record<
      string,
      {
        run: (
          input: unknown,
          options?: unknown,
        ) => Promise<{
          outputs: Record<string, { dims: number[]; data: ArrayLike<number> }>;
          scores?: { label: string; score: number }[];
        }>;
      }
    >;
    example: (name: string) => Promise<Record<string, (...args: unknown[]) => unknown>>;
    progress: Record<string, LoadProgress[]>;
  };
}

let stack: Stack;
let page: Page;
const sessions = new Map<Name, ort.InferenceSession>();
const session = (name: Name) => sessions.get(name) as ort.InferenceSession;

beforeAll(async () => {
  for (const name of names) {
    sessions.set(
      name,
      await ort.InferenceSession.create(thirdPartyModels[fixtures[name]].file, {
        executionProviders: ['cpu'],
      }),
    );
  }
  stack = await startStack();
  for (const name of names) {
    const dir = thirdPartyBundle(name);
    try {
      await stack.publish(dir);
    } finally {
      removeTempDir(dir);
    }
  }
  page = await stack.context.newPage();
  await page.goto(`${stack.site.url}byom.html`);
  await page.waitForFunction(() => 'byom' in window);
  // Served with the headers docs/bring-your-own-model.md gives (byom-doc.test.ts checks them).
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
  const failures = await page.evaluate(
    async ({ serverUrl, publicKey, list }) => {
      const { byom } = window as unknown as ByomWindow;
      const { openModel } = await byom.example('open-model');
      byom.progress = {};
      const errors: string[] = [];
      for (const name of list) {
        const progress: LoadProgress[] = (byom.progress[name] = []);
        const model = openModel!({
          serverUrl,
          publicKey,
          name,
          onProgress: (p: LoadProgress) => progress.push(p),
        }) as {
          ready(): Promise<unknown>;
        };
        await model.ready().catch((e: Error) => errors.push(`${name}: ${e.message}`));
        byom.models[name] = model as unknown as ByomWindow['byom']['models'][string];
      }
      return errors;
    },
    { serverUrl: stack.proxy.url, publicKey: stack.server.publicKey, list: names },
  );
  expect(failures).toEqual([]);
});

afterAll(async () => {
  await stack?.close();
  for (const opened of sessions.values()) await opened.release();
});

/** Renders a text line in the page (test/e2e/pages/byom/render-line.mjs) and returns its pixels. */
async function renderLine(
  text: string,
  options: { flip?: boolean; size?: number } = {},
): Promise<PlainImage> {
  return page.evaluate(
    async ({ text, options }) => {
      const { renderLine } = await (window as unknown as ByomWindow).byom.example('render-line');
      const image = renderLine!(text, options) as ImageData;
      return { width: image.width, height: image.height, rgba: Array.from(image.data) };
    },
    { text, options },
  );
}

/** Runs `name` in the page on an ImageData made of `image`'s pixels; its outputs as plain numbers. */
async function runImage(name: Name, image: PlainImage) {
  return page.evaluate(
    async ({ name, image }) => {
      const model = (window as unknown as ByomWindow).byom.models[name]!;
      const data = new ImageData(new Uint8ClampedArray(image.rgba), image.width, image.height);
      const result = await model.run({ image: data });
      const outputs = Object.fromEntries(
        Object.entries(result.outputs).map(([key, o]) => [key, { dims: o.dims, data: Array.from(o.data) }]),
      );
      return { outputs: outputs as Record<string, PlainTensor>, scores: result.scores ?? [] };
    },
    { name, image },
  );
}

/** onnxruntime-node on the tensor the bundle's preprocessing makes of `image` (the same code the worker runs). */
async function referenceOnImage(name: Name, image: PlainImage): Promise<PlainTensor> {
  const feed = imageToFeed(
    { data: Uint8ClampedArray.from(image.rgba), width: image.width, height: image.height },
    imagePreprocessing(name),
  );
  const s = session(name);
  const results = await s.run({
    [s.inputNames[0]!]: new ort.Tensor('float32', feed.data as Float32Array, feed.dims),
  });
  const output = results[s.outputNames[0]!]!;
  return { dims: [...output.dims], data: Array.from(output.data as Float32Array) };
}

/** Greedy CTC decoding with PaddleOCR's character list (0 is the blank, the last class a space). */
function decodeCtc(probs: PlainTensor): string {
  const keys = readFileSync(keysFile, 'utf8').split('\n');
  const alphabet = ['', ...keys, ' '];
  const [, steps, classes] = probs.dims as [number, number, number];
  let text = '';
  let previous = 0;
  for (let t = 0; t < steps; t++) {
    const row = probs.data.slice(t * classes, (t + 1) * classes);
    const best = row.indexOf(Math.max(...row));
    if (best !== 0 && best !== previous) text += alphabet[best];
    previous = best;
  }
  return text;
}

describe('progress', () => {
  it('reports the 579 KB classifier in 9 or more events that never go down', async () => {
    const progress = await page.evaluate(
      () => (window as unknown as ByomWindow).byom.progress['paddleocr-cls']!,
    );
    const model = progress.filter((p) => p.file === 'model.onnx');
    // The bytes that move: the file's compiled form when publishing made one (~579 KB either way).
    const url = `${stack.server.url}/api/v1/models/paddleocr-cls/versions/latest/manifest`;
    const { signed } = (await (await fetch(url)).json()) as { signed: { files: PublishedFile[] } };
    const file = signed.files.find((f) => f.path === 'model.onnx');
    const size = file?.compiled?.size ?? file?.size;
    expect(size).toBeGreaterThan(8 * 64 * 1024);
    expect(model.at(-1)).toMatchObject({ fileLoaded: size, fileTotal: size, fromCache: false });
    expect(model.length).toBeGreaterThanOrEqual(9);
    for (let i = 1; i < model.length; i++) {
      expect(model[i]!.fileLoaded).toBeGreaterThan(model[i - 1]!.fileLoaded);
      expect(model[i]!.fileLoaded - model[i - 1]!.fileLoaded).toBeLessThanOrEqual(64 * 1024);
    }
    for (let i = 1; i < progress.length; i++)
      expect(progress[i]!.loaded).toBeGreaterThanOrEqual(progress[i - 1]!.loaded);
  });
});

describe('PaddleOCR direction classifier (image, contain into 48×192, padded)', () => {
  it('matches onnxruntime-node within 1e-4 on the same preprocessed tensor and tells upright from upside down', async () => {
    for (const flip of [false, true]) {
      const image = await renderLine('Ferry 2026', { flip });
      const browser = await runImage('paddleocr-cls', image);
      const node = await referenceOnImage('paddleocr-cls', image);
      const probabilities = browser.outputs['softmax_0.tmp_0']!;
      expect(probabilities.dims).toEqual([1, 2]);
      expect(maxAbsDiff(probabilities.data, node.data), `flip ${flip}`).toBeLessThan(1e-4);
      expect(browser.scores[0]?.label, `flip ${flip}`).toBe(flip ? '180' : '0');
    }
  });

  it('takes named tensors of any batch and width (symbolic dimensions) and enforces the fixed channel count', async () => {
    const run = (dims: number[]) =>
      page.evaluate(async (dims) => {
        const model = (window as unknown as ByomWindow).byom.models['paddleocr-cls']!;
        const data = new Float32Array(dims.reduce((a, b) => a * b, 1)).fill(0.25);
        try {
          const { outputs } = await model.run({ x: { data, dims } });
          return {
            dims: outputs['softmax_0.tmp_0']!.dims,
            data: Array.from(outputs['softmax_0.tmp_0']!.data),
          };
        } catch (e) {
          return { code: (e as { code?: string }).code, message: (e as Error).message };
        }
      }, dims);
    const batch = await run([2, 3, 48, 100]);
    expect(batch).toMatchObject({ dims: [2, 2] });
    const s = session('paddleocr-cls');
    const node = await s.run({
      x: new ort.Tensor('float32', new Float32Array(2 * 3 * 48 * 100).fill(0.25), [2, 3, 48, 100]),
    });
    expect(
      maxAbsDiff((batch as PlainTensor).data, Array.from(node['softmax_0.tmp_0']!.data as Float32Array)),
    ).toBeLessThan(1e-4);
    expect(await run([1, 1, 48, 100])).toEqual({
      code: 'INVALID_INPUT',
      message: 'x: dimension 1 must be 3, got 1',
    });
  });
});

describe("PaddleOCR recogniser (height 48, width a multiple of 8 at the line's own aspect ratio)", () => {
  it('reads a rendered line as onnxruntime-node does on the same tensor, through the doc example', async () => {
    const text = 'Ferry 2026';
    const image = await renderLine(text);
    const example = await page.evaluate(async (image) => {
      const { byom } = window as unknown as ByomWindow;
      const { readLine } = await byom.example('read-line');
      const data = new ImageData(new Uint8ClampedArray(image.rgba), image.width, image.height);
      return (await readLine!(byom.models['paddleocr-rec'], data)) as { text: string; dims: number[] };
    }, image);
    const node = await referenceOnImage('paddleocr-rec', image);
    const width = Math.ceil(Math.round((image.width * 48) / image.height) / 8) * 8;
    expect(example.dims).toEqual([1, width / 8, 6625]);
    expect(node.dims).toEqual(example.dims);
    expect(decodeCtc(node)).toBe(text);
    expect(example.text).toBe(text);
    const browser = await runImage('paddleocr-rec', image);
    expect(maxAbsDiff(browser.outputs['softmax_11.tmp_0']!.data, node.data)).toBeLessThan(1e-4);
  });
});

/** 20 frames of 512 samples at 16 kHz: quiet noise, then a voiced vowel-like tone, then noise again. */
function audioFrames(): Float32Array[] {
  let seed = 7;
  const noise = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31 - 0.5) * 0.01;
  return Array.from({ length: 20 }, (_, f) =>
    Float32Array.from({ length: 512 }, (_, i) => {
      const t = (f * 512 + i) / 16000;
      const voiced = f >= 6 && f < 15;
      const vowel = [1, 0.6, 0.4, 0.25].reduce(
        (sum, a, h) => sum + a * Math.sin(2 * Math.PI * 140 * (h + 1) * t),
        0,
      );
      return noise() + (voiced ? 0.3 * vowel * (1 + 0.3 * Math.sin(2 * Math.PI * 4 * t)) : 0);
    }),
  );
}

/** onnxruntime-node over `frames`, carrying the state. */
async function vadReference(frames: Float32Array[]): Promise<number[]> {
  const s = session('silero-vad');
  let state: ort.Tensor = new ort.Tensor('float32', new Float32Array(256), [2, 1, 128]);
  const sr = new ort.Tensor('int64', BigInt64Array.of(16000n), []);
  const out: number[] = [];
  for (const frame of frames) {
    const r = await s.run({ input: new ort.Tensor('float32', frame, [1, 512]), state, sr });
    out.push((r.output!.data as Float32Array)[0]!);
    state = r.stateN!;
  }
  return out;
}

describe('Silero VAD (custom task: named tensors in, raw outputs out; stateful)', () => {
  const frames = audioFrames();

  it('matches onnxruntime-node within 1e-3 over 20 frames with carried state, copying or transferring', async () => {
    const reference = await vadReference(frames);
    expect(Math.max(...reference.slice(8, 14))).toBeGreaterThan(Math.max(...reference.slice(0, 4)));
    for (const loop of ['speechProbabilities', 'speechProbabilitiesTransferring']) {
      const browser = await page.evaluate(
        async ({ loop, frames }) => {
          const { byom } = window as unknown as ByomWindow;
          const example = await byom.example('vad-loop');
          return (await example[loop]!(
            byom.models['silero-vad'],
            frames.map((f) => Float32Array.from(f)),
          )) as number[];
        },
        { loop, frames: frames.map((f) => Array.from(f)) },
      );
      expect(browser).toHaveLength(20);
      expect(maxAbsDiff(browser, reference), loop).toBeLessThan(1e-3);
    }
  });

  it('runs a batch of streams in one call, each as it would run alone', async () => {
    const streams = [frames[0]!, frames[8]!, frames[12]!];
    const browser = await page.evaluate(
      async (streams) => {
        const { byom } = window as unknown as ByomWindow;
        const { speechProbabilitiesBatched } = await byom.example('vad-loop');
        return (await speechProbabilitiesBatched!(
          byom.models['silero-vad'],
          streams.map((f) => Float32Array.from(f)),
        )) as number[];
      },
      streams.map((f) => Array.from(f)),
    );
    const alone = await Promise.all(streams.map(async (frame) => (await vadReference([frame]))[0]!));
    expect(maxAbsDiff(browser, alone)).toBeLessThan(1e-3);
  });

  it('takes sr as a one-element [1] tensor for its rank-0 input and refuses a state of the wrong fixed size', async () => {
    const outcome = await page.evaluate(async () => {
      const model = (window as unknown as ByomWindow).byom.models['silero-vad']!;
      const run = (srDims: number[], stateDims: number[]) =>
        model
          .run({
            input: { data: new Float32Array(512), dims: [1, 512] },
            state: { data: new Float32Array(stateDims.reduce((a, b) => a * b, 1)), dims: stateDims },
            sr: { data: BigInt64Array.of(16000n), dims: srDims },
          })
          .then(
            (r) => ({ ok: true, dims: r.outputs.output!.dims }),
            (e: { code?: string; message?: string }) => ({ ok: false, code: e.code, message: e.message }),
          );
      return { vector: await run([1], [2, 1, 128]), wrongState: await run([], [3, 1, 128]) };
    });
    expect(outcome.vector).toEqual({ ok: true, dims: [1, 1] });
    expect(outcome.wrongState).toEqual({
      ok: false,
      code: 'INVALID_INPUT',
      message: 'state: dimension 0 must be 2, got 3',
    });
  });
});

describe('PaddleOCR detector at its native aspect ratio (both sides dynamic)', () => {
  it('runs a wide picture at its own size rounded up to multiples of 32, as onnxruntime-node does, with boxes on the picture', async () => {
    const pre = (m: Record<string, unknown>) => m.preprocessing as Record<string, unknown>;
    await stack.publishVariant('models/paddleocr-det', (m) => {
      m.name = 'paddleocr-det-native';
      Object.assign(pre(m), {
        width: 960,
        height: 960,
        dynamic: { width: { multipleOf: 32 }, height: { multipleOf: 32 } },
      });
    });
    const image = await renderLine('Ferry reads text', { size: 40 });
    const browser = await page.evaluate(
      async ({ serverUrl, publicKey, image }) => {
        const { byom } = window as unknown as ByomWindow;
        const { openModel } = await byom.example('open-model');
        const model = openModel!({ serverUrl, publicKey, name: 'paddleocr-det-native' }) as {
          ready(): Promise<unknown>;
          run(
            input: unknown,
          ): Promise<{ outputs: Record<string, { dims: number[]; data: Float32Array }>; boxes?: unknown[] }>;
        };
        await model.ready();
        const data = new ImageData(new Uint8ClampedArray(image.rgba), image.width, image.height);
        const { outputs, boxes } = await model.run({ image: data });
        const map = outputs['sigmoid_0.tmp_0']!;
        return {
          dims: map.dims,
          data: Array.from(map.data),
          boxes: boxes as { x: number; y: number; width: number; height: number; score: number }[],
        };
      },
      { serverUrl: stack.proxy.url, publicKey: stack.server.publicKey, image },
    );
    const [height, width] = [Math.ceil(image.height / 32) * 32, Math.ceil(image.width / 32) * 32];
    expect(browser.dims).toEqual([1, 1, height, width]);
    expect(width).toBeGreaterThan(2 * height);
    const feed = imageToFeed(
      { data: Uint8ClampedArray.from(image.rgba), width: image.width, height: image.height },
      {
        ...(imagePreprocessingOf('models/paddleocr-det') as ImagePreprocessing),
        width: 960,
        height: 960,
        dynamic: { width: { multipleOf: 32 }, height: { multipleOf: 32 } },
      },
    );
    const det = await ort.InferenceSession.create(path.join(root, 'models/paddleocr-det/model.onnx'));
    try {
      const node = await det.run({ x: new ort.Tensor('float32', feed.data as Float32Array, feed.dims) });
      const map = node['sigmoid_0.tmp_0']!.data as Float32Array;
      expect(maxAbsDiff(browser.data, map)).toBeLessThan(1e-4);
      const expected = scaleBoxes(textBoxes(map, { width, height }, 0.3), { width, height }, image);
      expect(expected.length).toBeGreaterThan(0);
      expect(browser.boxes).toHaveLength(expected.length);
      browser.boxes.forEach((box, i) => {
        for (const key of ['x', 'y', 'width', 'height'] as const)
          expect(box[key]).toBeCloseTo(expected[i]![key], 3);
        expect(box.x + box.width).toBeLessThanOrEqual(image.width + 1);
      });
    } finally {
      await det.release();
    }
  });
});

describe('publishing image preprocessing', () => {
  it('refuses a maximum width that is not a multiple of the dynamic width with 400 naming the field', async () => {
    const dir = thirdPartyBundle('paddleocr-rec', (m) => {
      m.version = '1.0.1';
      (m.preprocessing as { width: number }).width = 964;
    });
    try {
      await expect(stack.publish(dir)).rejects.toThrow(
        /^publish .*: 400 .*preprocessing\.width: 964 must be a multiple of dynamic\.width\.multipleOf \(8\)/,
      );
    } finally {
      removeTempDir(dir);
    }
  });
});
