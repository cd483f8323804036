import * as ort from 'onnxruntime-node';

/** A float32 tensor as the tests pass it around. */
export interface PlainTensor {
  data: number[];
  dims: number[];
}

/**
 * Runs `modelPath` with onnxruntime-node (CPU) on float32 `inputs` and returns every output as a
 * plain array: the reference the browser's outputs are compared with.
 */
export async function runWithOnnxruntimeNode(
  modelPath: string,
  inputs: Record<string, PlainTensor>,
): Promise<Record<string, number[]>> {
  const session = await ort.InferenceSession.create(modelPath, { executionProviders: ['cpu'] });
  try {
    const feeds = Object.fromEntries(
      Object.entries(inputs).map(([name, t]) => [
        name,
        new ort.Tensor('float32', Float32Array.from(t.data), t.dims),
      ]),
    );
    const results = await session.run(feeds);
    return Object.fromEntries(
      Object.entries(results).map(([name, t]) => [name, Array.from(t.data as Float32Array)]),
    );
  } finally {
    await session.release();
  }
}

/** Largest absolute difference between two equally long arrays (Infinity when lengths differ). */
export function maxAbsDiff(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length) return Infinity;
  return a.reduce((max, v, i) => Math.max(max, Math.abs(v - (b[i] as number))), 0);
}
