import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Tensor } from 'onnxruntime-node';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ONNXRUNTIME_VERSION, sha256Hex, type PublishedFile } from '$shared';
import { createTempDeps, type TempDeps } from '../testing/temp-deps.ts';
import { examineOnnxFiles } from '../model-work/examine-files.ts';
import { parseBundleManifest } from '../services/publish-validate.ts';
import { addCompiledForms } from './compile-files.ts';
import { compileOnnx } from './compile-onnx.ts';
import { whyNotTheSame } from './same-outputs.ts';

const root = path.resolve(import.meta.dirname, '..', '..');
const DIGITS = path.join(root, 'models', 'digits', 'model.onnx');
const SECTIONS = path.join(root, 'models', 'debian-sections', 'onnx', 'model_quantized.onnx');
const BREAST_CANCER = path.join(root, 'models', 'breast-cancer', 'model.onnx');

let deps: TempDeps;
beforeEach(() => {
  deps = createTempDeps();
});
afterEach(() => {
  deps.dispose();
  vi.restoreAllMocks();
});

async function upload(file: string, bundlePath: string, role: PublishedFile['role']): Promise<PublishedFile> {
  return { ...(await deps.upload(file, bundlePath)), role };
}

/** `files` checked against digits' signature, then with their compiled forms, as a publish does. */
async function compileOnnxFiles(withDeps: TempDeps, files: readonly PublishedFile[]) {
  const raw: unknown = JSON.parse(readFileSync(path.join(root, 'models', 'digits', 'ferry.json'), 'utf8'));
  const manifest = parseBundleManifest(raw, 'manifest.');
  return addCompiledForms(withDeps, files, await examineOnnxFiles(withDeps, manifest, { files }));
}

/** The outputs of `model` on `feeds` in onnxruntime-node with no graph optimisation of its own. */
async function run(model: Uint8Array, feeds: Record<string, Tensor>) {
  const ort = await import('onnxruntime-node');
  const session = await ort.InferenceSession.create(model, { graphOptimizationLevel: 'disabled' });
  try {
    return await session.run(feeds);
  } finally {
    await session.release();
  }
}

describe('compileOnnxFiles', () => {
  it('adds a stored compiled form to each ONNX file, and leaves other files as they are', async () => {
    const files = [
      await upload(DIGITS, 'model.onnx', 'onnx'),
      await upload(path.join(root, 'models', 'digits', 'samples.json'), 'samples.json', 'sample'),
    ];
    const compiled = await compileOnnxFiles(deps, files);
    expect(compiled[1]).toEqual(files[1]);
    const form = compiled[0]?.compiled;
    expect(form).toMatchObject({ format: 'ort', optimization: 'extended', onnxruntime: ONNXRUNTIME_VERSION });
    expect({ ...compiled[0], compiled: undefined }).toEqual({ ...files[0], compiled: undefined });
    const bytes = await deps.blobs.readAll(form?.sha256 ?? '');
    expect(await sha256Hex(bytes)).toBe(form?.sha256);
    expect(bytes.byteLength).toBe(form?.size);
    expect(form?.sha256).not.toBe(files[0]?.sha256);
  });

  it('makes compiled forms that give the original’s outputs on real inputs (digits’ held-out images)', async () => {
    const ort = await import('onnxruntime-node');
    const [file] = await compileOnnxFiles(deps, [await upload(DIGITS, 'model.onnx', 'onnx')]);
    const compiled = await deps.blobs.readAll(file?.compiled?.sha256 ?? '');
    const original = new Uint8Array(readFileSync(DIGITS));
    const rows = readFileSync(path.join(root, 'models', 'digits', 'heldout.jsonl'), 'utf8')
      .trim()
      .split('\n');
    const images = rows.slice(0, 16).map((line) => (JSON.parse(line) as { pixels: number[] }).pixels);
    const input = new ort.Tensor('float32', Float32Array.from(images.flat()), [images.length, 1, 8, 8]);
    const want = (await run(original, { pixels: input })) as Record<string, { data: Float32Array }>;
    const got = (await run(compiled, { pixels: input })) as Record<string, { data: Float32Array }>;
    const name = Object.keys(want)[0] ?? '';
    expect(Array.from(got[name]?.data ?? [])).toEqual(Array.from(want[name]?.data ?? []));
  });

  it('compiles a quantized transformer (debian-sections) to the same outputs', async () => {
    const original = new Uint8Array(readFileSync(SECTIONS));
    expect(await whyNotTheSame(original, await compileOnnx(original))).toBeUndefined();
  });

  it('makes none when FERRY_COMPILE_MODELS is off', async () => {
    const files = [await upload(DIGITS, 'model.onnx', 'onnx')];
    expect(await compileOnnxFiles({ ...deps, compileModels: false }, files)).toEqual(files);
  });

  it('publishes the file alone, logging the thread’s warning line, when it made no compiled form', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const files = [await upload(DIGITS, 'model.onnx', 'onnx')];
    const notCompiled = 'ferry: warning: model.onnx: no compiled form (it would not load)';
    const found = new Map([['model.onnx', { notCompiled }]]);
    expect(await addCompiledForms(deps, files, found)).toEqual(files);
    expect(warn).toHaveBeenCalledWith(notCompiled);
  });
});

describe('whyNotTheSame', () => {
  it('says when the stand-in fails on inputs the original runs on', async () => {
    const digits = new Uint8Array(readFileSync(DIGITS));
    const other = new Uint8Array(readFileSync(BREAST_CANCER));
    expect(await whyNotTheSame(digits, other)).toMatch(/^it fails where the original runs: /);
  });

  it('says which output differs when the weights differ', async () => {
    const digits = new Uint8Array(readFileSync(DIGITS));
    const altered = alteredWeights(digits);
    expect(await whyNotTheSame(digits, altered)).toMatch(
      /^output "\w+"\[\d+\] is -?[\d.e-]+, not -?[\d.e-]+$/,
    );
  });

  it('says when the stand-in does not load', async () => {
    const digits = new Uint8Array(readFileSync(DIGITS));
    expect(await whyNotTheSame(digits, new TextEncoder().encode('not a model'))).toMatch(
      /^onnxruntime cannot load it: /,
    );
  });
});

/**
 * digits' model with one weight changed: its 10k parameters are most of the file, so the float at
 * the middle of the file is a convolution or dense weight (the test above shows the outputs move).
 */
function alteredWeights(model: Uint8Array): Uint8Array {
  const copy = model.slice();
  const at = Math.floor(copy.length / 2) & ~3;
  const view = new DataView(copy.buffer);
  const value = view.getFloat32(at, true);
  view.setFloat32(at, Math.abs(value - 0.5) < 0.1 ? 1.5 : 0.5, true);
  return copy;
}
