import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as ortNode from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PublishedManifest } from '$shared/schemas/manifest.ts';
import { createWithFallback } from './compiled-fallback.ts';
import { createOrtEngine } from './ort-engine.ts';
import type { Ort, OrtRuntime } from './ort-runtime.ts';
import { IDENTITY_MODEL } from './ort-warm-up.ts';

// onnxruntime-node stands in for onnxruntime-web (the same core, the same session options): the
// engine's session options are recorded on the way, and the model bytes are real.

const manifest = PublishedManifest.parse({
  _type: 'ferry/manifest',
  schemaVersion: 1,
  name: 'identity',
  version: '1.0.0',
  task: 'custom',
  description: 'y = x',
  license: 'MIT',
  source: { description: 'written by hand (ort-warm-up.ts)' },
  runtime: { executionProviders: ['wasm'], dtype: 'fp32' },
  signature: {
    inputs: [{ name: 'x', type: 'float32', shape: [2] }],
    outputs: [{ name: 'y', type: 'float32', shape: [2] }],
  },
  files: [{ path: 'model.onnx', role: 'onnx', sha256: 'a'.repeat(64), size: IDENTITY_MODEL.length }],
  metadataVersion: 1,
  publishedAt: '2026-12-02T00:00:00Z',
  status: 'published',
});

/** A WASM runtime whose sessions are onnxruntime-node's; the optimisation level of each is kept. */
function nodeRuntime(levels: unknown[]): OrtRuntime {
  const ort = {
    Tensor: ortNode.Tensor,
    InferenceSession: {
      create(model: Uint8Array, options: { graphOptimizationLevel?: 'disabled' | 'all' }) {
        levels.push(options.graphOptimizationLevel);
        return ortNode.InferenceSession.create(model, {
          graphOptimizationLevel: options.graphOptimizationLevel ?? 'all',
        });
      },
    },
  } as unknown as Ort;
  const adapter = { available: false, description: null, isFallback: false };
  return { ort, build: 'wasm', threads: 1, adapter, warmedUp: Promise.resolve() };
}

let compiled: Uint8Array;
beforeAll(async () => {
  // A compiled form as publishing makes one (server/compile/compile-onnx.ts): level extended, .ort.
  const dir = await mkdtemp(path.join(tmpdir(), 'ferry-ort-engine-'));
  try {
    const optimizedModelFilePath = path.join(dir, 'model.ort');
    const session = await ortNode.InferenceSession.create(IDENTITY_MODEL, {
      graphOptimizationLevel: 'extended',
      optimizedModelFilePath,
    });
    await session.release();
    compiled = new Uint8Array(await readFile(optimizedModelFilePath));
    // onnxruntime's flatbuffer format names itself at bytes 4-7, where ONNX protobuf has no such tag.
    expect(new TextDecoder().decode(compiled.subarray(4, 8))).toBe('ORTM');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

const engines: { dispose(): Promise<void> }[] = [];
afterAll(async () => {
  for (const engine of engines) await engine.dispose();
});

const x = { x: { data: new Float32Array([3, -1.5]), dims: [2] } };

describe('createOrtEngine', () => {
  it('runs a compiled form with graph optimisation off, and says it is compiled', async () => {
    const levels: unknown[] = [];
    const files = new Map([['model.onnx', compiled]]);
    const engine = await createOrtEngine(
      { manifest, files, compiled: new Set(['model.onnx']) },
      nodeRuntime(levels),
      'auto',
    );
    engines.push(engine);
    expect(levels).toEqual(['disabled']);
    expect(engine.compiled).toBe(true);
    expect(Array.from((await engine.run(x)).outputs.y!.data as Float32Array)).toEqual([3, -1.5]);
  });

  it('runs an original file with every optimisation, and says it is not compiled', async () => {
    const levels: unknown[] = [];
    const files = new Map([['model.onnx', IDENTITY_MODEL]]);
    const engine = await createOrtEngine(
      { manifest, files, compiled: new Set() },
      nodeRuntime(levels),
      'auto',
    );
    engines.push(engine);
    expect(levels).toEqual(['all']);
    expect(engine.compiled).toBe(false);
  });

  it('falls back to the original file when onnxruntime refuses the compiled form (ONNX_INVALID)', async () => {
    const levels: unknown[] = [];
    const runtime = nodeRuntime(levels);
    const broken = compiled.slice(0, compiled.length >> 1);
    const bundle = {
      manifest,
      files: new Map([['model.onnx', broken]]),
      compiled: new Set(['model.onnx']),
      original: async () => ({
        files: new Map([['model.onnx', IDENTITY_MODEL]]),
        bytesDownloaded: IDENTITY_MODEL.length,
        cache: { persisted: true },
      }),
    };
    await expect(createOrtEngine(bundle, runtime, 'auto')).rejects.toMatchObject({
      code: 'ONNX_INVALID',
      details: { path: 'model.onnx' },
    });
    const { engine, original } = await createWithFallback(bundle, (b) => createOrtEngine(b, runtime, 'auto'));
    engines.push(engine);
    expect(engine.compiled).toBe(false);
    expect(original?.bytesDownloaded).toBe(IDENTITY_MODEL.length);
    expect(levels).toEqual(['disabled', 'disabled', 'all']);
    expect(Array.from((await engine.run(x)).outputs.y!.data as Float32Array)).toEqual([3, -1.5]);
  });
});
