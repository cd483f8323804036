import {
  AutoModelForSequenceClassification,
  AutoTokenizer,
  env,
  type PreTrainedModel,
  type PreTrainedTokenizer,
} from '@huggingface/transformers';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readBundleJson } from '../../models/lib/bundle-files.ts';
import { ClassificationExpected, SampleSet } from '../../shared/schemas/samples.ts';
import { maxAbsDiff } from './support/node-reference.ts';
import { root, startStack, type Stack } from './support/stack.ts';

const texts = ['the movie is good', 'this was a very boring game, not fun!', 'python code for a web server'];

interface Reference {
  tokenizer: PreTrainedTokenizer;
  model: PreTrainedModel;
}
/** One tokenizer + model per (bundle folder, dtype), loaded on first use and disposed after the file. */
const references = new Map<string, Promise<Reference>>();

/**
 * onnxruntime-node computes q8 models' u8×s8 integer products (DynamicQuantizeLinear → MatMulInteger)
 * with VPMADDUBSW on x86-64 CPUs without VNNI (SSE4.1, AVX2, AVX-512), which adds pairs of products
 * into int16 and saturates (microsoft/onnxruntime#12088). This session option makes it convert the
 * constant int8 weights to u8 and compute exactly, as onnxruntime-web's WASM kernels (the browser),
 * onnxruntime-node on VNNI CPUs and the PyTorch reference (models/debian-sections/bert.py) all do.
 * Measured on an AVX2-only AMD EPYC (2026-12-02): MatMulInteger of 255s by 127s over K=64 gives
 * 1048544 on onnxruntime-node against the exact 2072640 on onnxruntime-web; debian-sections logits
 * from onnxruntime-node without the option differ from onnxruntime-web's on the same ids by 0.016
 * to 0.066 on its samples (0.031 median, 0.167 max and 7 argmax flips over the 2705 held-out
 * texts), and by at most 4.3e-5 with it. A no-op for fp32 models and on VNNI CPUs.
 */
const exactIntegerMatMul = { extra: { session: { x64quantprecision: '1' } } };

async function loadReference(dir: string, dtype: 'fp32' | 'q8'): Promise<Reference> {
  env.allowRemoteModels = false;
  env.localModelPath = path.join(root, path.dirname(dir));
  const id = path.basename(dir);
  const tokenizer = await AutoTokenizer.from_pretrained(id);
  const model = await AutoModelForSequenceClassification.from_pretrained(id, {
    dtype,
    session_options: exactIntegerMatMul,
  });
  return { tokenizer, model };
}

/**
 * The same tokenizer + model calls the worker makes, in Node (transformers.js on
 * onnxruntime-node), for the bundle folder `dir` (relative to the repo root).
 */
async function nodeLogits(dir: string, text: string, options: { dtype: 'fp32' | 'q8'; maxLength: number }) {
  const key = `${dir}:${options.dtype}`;
  if (!references.has(key)) references.set(key, loadReference(dir, options.dtype));
  const { tokenizer, model } = await (references.get(key) as Promise<Reference>);
  const output = (await model(tokenizer(text, { truncation: true, max_length: options.maxLength }))) as {
    logits: { data: Float32Array };
  };
  return Array.from(output.logits.data);
}
const tinyBert = (text: string) =>
  nodeLogits('test/fixtures/runtime/tiny-bert', text, { dtype: 'fp32', maxLength: 64 });

let stack: Stack;
const requests: string[] = [];
const foreign: string[] = [];
beforeAll(async () => {
  stack = await startStack();
  await stack.publish('test/fixtures/runtime/tiny-bert');
  await stack.publish('models/debian-sections');
  // Every request of the page and its workers: anything not for the site or the Ferry server is
  // recorded and aborted.
  await stack.context.route('**/*', (route) => {
    const url = route.request().url();
    requests.push(url);
    if (url.startsWith(stack.site.origin) || url.startsWith(stack.proxy.url)) return route.continue();
    foreign.push(url);
    return route.abort();
  });
});
afterAll(async () => {
  await stack?.close();
  for (const reference of references.values()) await (await reference).model.dispose();
});

describe('a text-classification bundle on transformers.js', () => {
  it('runs in the worker, fetching nothing but the Ferry server and the page origin', async () => {
    await stack.h.goto(stack.site.url);
    await stack.h.open('c', stack.clientOptions());
    const load = await stack.h.load('c', 'tiny-bert');
    expect(load.error).toBeUndefined();
    expect(load.info).toMatchObject({
      runtime: 'transformers',
      backend: 'wasm',
      task: 'text-classification',
    });
    for (const text of texts) {
      const run = await stack.h.run('tiny-bert', { kind: 'text', text });
      expect(run.error).toBeUndefined();
      expect(maxAbsDiff(run.result?.outputs.logits?.data ?? [], await tinyBert(text)), text).toBeLessThan(
        1e-4,
      );
      const scores = run.result?.scores ?? [];
      expect(scores.map((s) => s.label).sort()).toEqual(['negative', 'neutral', 'positive']);
      expect(scores.reduce((sum, s) => sum + s.score, 0)).toBeCloseTo(1, 5);
    }
    // The route saw the worker's own traffic (blobs), so "nothing foreign" means something.
    expect(requests.some((url) => url.includes('/api/v1/blobs/'))).toBe(true);
    expect(requests.some((url) => url.endsWith('.wasm'))).toBe(true);
    expect(foreign).toEqual([]);
  });

  it('runs again after a reload from the verified cache alone: no blob requests, nothing foreign', async () => {
    const blobs = stack.proxy.blobRequests().length;
    await stack.h.reload();
    await stack.h.open('c', stack.clientOptions());
    const load = await stack.h.load('c', 'tiny-bert');
    expect(load.info).toMatchObject({ runtime: 'transformers', fromCache: true });
    const run = await stack.h.run('tiny-bert', { kind: 'text', text: texts[0]! });
    expect(maxAbsDiff(run.result?.outputs.logits?.data ?? [], await tinyBert(texts[0]!))).toBeLessThan(1e-4);
    expect(stack.proxy.blobRequests().length).toBe(blobs);
    expect(foreign).toEqual([]);
  });

  it('refuses non-text input with INVALID_INPUT', async () => {
    const run = await stack.h.run('tiny-bert', { kind: 'tabular', values: { a: 1 } });
    expect(run.error).toMatchObject({ code: 'INVALID_INPUT' });
  });
});

describe('the real text bundle (models/debian-sections, q8 BERT)', () => {
  const { samples } = SampleSet.parse(readBundleJson('debian-sections', 'samples.json'));

  it('classifies the held-out samples as transformers.js on onnxruntime-node does', async () => {
    const load = await stack.h.load('c', 'debian-sections');
    expect(load.info).toMatchObject({ runtime: 'transformers', version: '1.1.0' });
    for (const sample of samples) {
      if (!('text' in sample.input))
        throw new Error(`debian-sections/samples.json ${sample.id}: no text input`);
      const expected = ClassificationExpected.parse(sample.expected);
      const run = await stack.h.run('debian-sections', { kind: 'text', text: sample.input.text });
      const node = await nodeLogits('models/debian-sections', sample.input.text, {
        dtype: 'q8',
        maxLength: 128,
      });
      expect(maxAbsDiff(run.result?.outputs.logits?.data ?? [], node), sample.id).toBeLessThan(1e-4);
      expect(run.result?.scores?.[0]?.label, sample.id).toBe(expected.label);
    }
    expect(foreign).toEqual([]);
  });
});
