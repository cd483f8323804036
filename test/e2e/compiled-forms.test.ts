import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PublishedFile } from '../../shared/schemas/manifest.ts';
import type { RunReport } from './support/harness.ts';
import { pixelsInput, type HarnessInput } from './support/harness.ts';
import { startStack, type Stack } from './support/stack.ts';

// The compiled form of a model's ONNX file (server/compile/, made at publish) in a real browser:
// what the device fetches, that it gives the original's results, and that a warm load keeps it.

const models = ['debian-sections', 'digits'] as const;
type Model = (typeof models)[number];
const inputs: Record<Model, HarnessInput[]> = {
  'debian-sections': [
    { kind: 'text', text: 'python library for parsing web pages' },
    { kind: 'text', text: 'a fast paced arcade game with retro graphics' },
  ],
  digits: [pixelsInput((i) => i % 17), pixelsInput((i) => (i * 7) % 16)],
};

let stack: Stack;
/** Each model's ONNX file as its published manifest lists it. */
const onnx = new Map<Model, PublishedFile>();

beforeAll(async () => {
  stack = await startStack();
  for (const model of models) {
    await stack.publish(`models/${model}`);
    const url = `${stack.server.url}/api/v1/models/${model}/versions/latest/manifest`;
    const envelope = (await (await fetch(url)).json()) as { signed: { files: PublishedFile[] } };
    const file = envelope.signed.files.find((f) => f.role === 'onnx');
    if (!file) throw new Error(`${model}: no onnx file in its manifest`);
    onnx.set(model, file);
  }
});
afterAll(() => stack?.close());

/** The blob digests the browser asked the server for so far. */
const fetchedBlobs = () => stack.proxy.blobRequests().map((r) => r.path.split('/').at(-1));

/** Runs every input of `model` on handle `key`: the scores of each, by label. */
async function scores(key: string, model: Model): Promise<Map<string, number>[]> {
  const runs: RunReport[] = [];
  for (const input of inputs[model]) runs.push(await stack.h.run(key, input));
  return runs.map((run) => {
    expect(run.error).toBeUndefined();
    return new Map((run.result?.scores ?? []).map((s) => [s.label, s.score]));
  });
}

/** `actual` holds the labels of `expected`, each score within 1e-5. */
function expectClose(actual: Map<string, number>[], expected: Map<string, number>[]): void {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((byLabel, i) => {
    expect([...byLabel.keys()].sort()).toEqual([...expected[i]!.keys()].sort());
    for (const [label, score] of byLabel) expect(expected[i]!.get(label)).toBeCloseTo(score, 5);
  });
}

const firstScores = new Map<Model, Map<string, number>[]>();

describe('compiled forms of ONNX files', () => {
  it('are published for debian-sections and digits', () => {
    for (const model of models) {
      expect(onnx.get(model)?.compiled, model).toMatchObject({ format: 'ort', optimization: 'extended' });
    }
  });

  it('are what a device fetches and runs, never the original files', async () => {
    await stack.h.open('c', stack.clientOptions());
    for (const model of models) {
      const load = await stack.h.load('c', model);
      expect(load.error).toBeUndefined();
      expect(load.info).toMatchObject({ compiled: true, backend: 'wasm', fromCache: false });
      // Progress counts the bytes that moved: the compiled form's size, not the original's.
      const file = onnx.get(model)!;
      const progress = load.progress.filter((p) => p.file === file.path).at(-1);
      expect(progress?.fileTotal).toBe(file.compiled?.size);
      firstScores.set(model, await scores(model, model));
    }
    const blobs = fetchedBlobs();
    for (const model of models) {
      const file = onnx.get(model)!;
      expect(blobs).toContain(file.compiled?.sha256);
      expect(blobs).not.toContain(file.sha256);
    }
  });

  it('give the scores the original files give (compiledModels: false), within 1e-5', async () => {
    // A memory cache: this client's commits must not replace the compiled forms cached above.
    await stack.h.open('plain', stack.clientOptions({ compiledModels: false, cache: 'memory' }));
    for (const model of models) {
      const load = await stack.h.load('plain', model, { key: `${model}-plain` });
      expect(load.info).toMatchObject({ compiled: false, backend: 'wasm' });
      expect(fetchedBlobs()).toContain(onnx.get(model)!.sha256);
      expectClose(await scores(`${model}-plain`, model), firstScores.get(model)!);
    }
  });

  it('are read back from the cache on a warm reload: no download, still compiled', async () => {
    const before = stack.proxy.blobRequests().length;
    await stack.h.reload();
    await stack.h.open('c', stack.clientOptions());
    for (const model of models) {
      const load = await stack.h.load('c', model);
      expect(load.error).toBeUndefined();
      expect(load.info).toMatchObject({ compiled: true, fromCache: true, bytesDownloaded: 0 });
      expectClose(await scores(model, model), firstScores.get(model)!);
    }
    expect(stack.proxy.blobRequests().length).toBe(before);
  });

  it('are refused with INTEGRITY_MISMATCH when altered in transit, naming the ONNX file', async () => {
    const file = onnx.get('digits')!;
    await stack.h.open('fresh', stack.clientOptions({ cache: 'memory' }));
    stack.proxy.tamperNext(`/api/v1/blobs/${file.compiled?.sha256}`, (body) => `${body.slice(0, -1)}!`);
    const load = await stack.h.load('fresh', 'digits', { key: 'tampered' });
    expect(load.error).toMatchObject({ code: 'INTEGRITY_MISMATCH', details: { path: file.path } });
  });
});
