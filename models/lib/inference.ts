import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import * as ort from 'onnxruntime-node';
import { bundlePath } from './bundle-files.ts';

/** Opens an ONNX file of a bundle with onnxruntime-node on the CPU. */
export function openSession(bundle: string, file = 'model.onnx'): Promise<ort.InferenceSession> {
  return openSessionAt(bundlePath(bundle, file));
}

/** Opens an ONNX file anywhere on disk (a test fixture outside models/) with onnxruntime-node on the CPU. */
export function openSessionAt(modelPath: string): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(modelPath, { executionProviders: ['cpu'] });
}

/** Runs a single-input float32 model and returns its named output as a flat array. */
export async function runFloat(
  session: ort.InferenceSession,
  input: { name: string; data: Float32Array; dims: number[] },
  output: string,
): Promise<Float32Array> {
  const result = await session.run({ [input.name]: new ort.Tensor('float32', input.data, input.dims) });
  const tensor = result[output];
  if (!tensor) throw new Error(`model has no output "${output}"`);
  return tensor.data as Float32Array;
}

/** Index of the largest value (first one on ties). */
export function argmax(row: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < row.length; i++) if ((row[i] as number) > (row[best] as number)) best = i;
  return best;
}

/** Rows of a bundle's `.jsonl` or `.jsonl.gz` file. */
export function readJsonl<T>(bundle: string, file: string): T[] {
  const raw = readFileSync(bundlePath(bundle, file));
  const text = (file.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8');
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as T);
}

/** Splits `count` rows into consecutive [start, end) batches. */
export function batches(count: number, size: number): [number, number][] {
  const out: [number, number][] = [];
  for (let start = 0; start < count; start += size) out.push([start, Math.min(count, start + size)]);
  return out;
}

/** The `accuracy` (percent) a bundle's metrics.json claims, and the held-out file it was measured on. */
export interface Metrics {
  heldOut: { file: string; count: number };
  accuracy: number;
  baseline: { name: string; accuracy: number };
}
