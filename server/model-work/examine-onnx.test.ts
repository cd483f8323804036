import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { isFerryError, type BundleManifest } from '$shared';
import type * as CompileOnnx from '../compile/compile-onnx.ts';
import { parseBundleManifest } from '../services/publish-validate.ts';
import { examineOnnx } from './examine-onnx.ts';

// compile-onnx.ts made to fail on demand: no real model loads as written yet fails to optimise.
const compileFails = vi.hoisted(() => ({ now: false }));
vi.mock('../compile/compile-onnx.ts', async (original) => {
  const real = await original<typeof CompileOnnx>();
  return {
    compileOnnx: (bytes: Uint8Array) =>
      compileFails.now
        ? Promise.reject(new Error('[ONNXRuntimeError] : 1 : FAIL : cannot optimise this graph'))
        : real.compileOnnx(bytes),
  };
});

const DIGITS = path.resolve(import.meta.dirname, '..', '..', 'models', 'digits');
const digits = (): BundleManifest =>
  parseBundleManifest(JSON.parse(readFileSync(path.join(DIGITS, 'ferry.json'), 'utf8')), 'manifest.');
const job = (compile: boolean) => ({
  file: 'model.onnx',
  bytes: new Uint8Array(readFileSync(path.join(DIGITS, 'model.onnx'))),
  signature: digits().signature,
  compile,
});

afterEach(() => {
  compileFails.now = false;
  vi.restoreAllMocks();
});

describe('examineOnnx', () => {
  it('loads the original as written once, for its signature and as the compiled form’s reference', async () => {
    const ort = await import('onnxruntime-node');
    const create = vi.spyOn(ort.InferenceSession, 'create');
    const { bytes, ...rest } = job(true);
    const original = bytes.slice();
    const findings = await examineOnnx({ bytes, ...rest });
    expect(findings.compiled?.byteLength).toBeGreaterThan(0);
    const loads = create.mock.calls.map(([model, options]) => ({
      original: model instanceof Uint8Array && Buffer.compare(model, original) === 0,
      optimization: (options as { graphOptimizationLevel?: string } | undefined)?.graphOptimizationLevel,
    }));
    // Once as written, once to compile (onnxruntime optimises only while loading), and the compiled form.
    expect(loads).toEqual([
      { original: true, optimization: 'disabled' },
      { original: true, optimization: 'extended' },
      { original: false, optimization: 'disabled' },
    ]);
  });

  it('checks the signature and makes nothing when not asked to compile', async () => {
    expect(await examineOnnx(job(false))).toEqual({});
    const wrong = { ...job(false), signature: { ...digits().signature, outputs: [] } };
    const error: unknown = await examineOnnx(wrong).catch((caught: unknown) => caught);
    expect(isFerryError(error) && error.code).toBe('SIGNATURE_MISMATCH');
  });

  it('says, in the warning line, that onnxruntime could not optimise a file it loads, and makes no compiled form', async () => {
    compileFails.now = true;
    expect(await examineOnnx(job(true))).toEqual({
      notCompiled: expect.stringMatching(
        /^ferry: warning: model\.onnx: no compiled form \(onnxruntime could not optimise it: .*cannot optimise this graph\)$/,
      ),
    });
  });
});
