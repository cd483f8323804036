import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ortSessionLogOptions } from '../services/onnx-check.ts';

/**
 * `bytes` (an ONNX model) optimised by onnxruntime-node at level `extended` and saved in
 * onnxruntime's own format. Level `extended` folds constants and fuses nodes into onnxruntime's
 * CPU kernels the same way on every CPU (only `all` adds layouts for the machine it runs on, which
 * onnxruntime warns against shipping). onnxruntime writes an optimised model only to a file, so it
 * goes through a temporary folder of its own, removed before this returns.
 */
export async function compileOnnx(bytes: Uint8Array): Promise<Uint8Array> {
  const ort = await import('onnxruntime-node');
  const dir = await mkdtemp(path.join(tmpdir(), 'ferry-compile-'));
  try {
    // The `.ort` extension makes onnxruntime save its own format instead of ONNX protobuf.
    const optimizedModelFilePath = path.join(dir, 'model.ort');
    const session = await ort.InferenceSession.create(bytes, {
      graphOptimizationLevel: 'extended',
      optimizedModelFilePath,
      ...ortSessionLogOptions(ort),
    });
    await session.release();
    return new Uint8Array(await readFile(optimizedModelFilePath));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
