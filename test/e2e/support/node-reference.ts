import * as ort from 'onnxruntime-node';

/**
 * Largest absolute difference between two equally long arrays (Infinity when lengths differ): how
 * far the browser's outputs are from the onnxruntime-node / transformers.js reference.
 */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs((a[i] as number) - (b[i] as number)));
  return max;
}

/**
 * An onnxruntime-node CPU session that computes q8 models' u8×s8 integer products exactly.
 *
 * Without `session.x64quantprecision`, onnxruntime-node computes them (DynamicQuantizeLinear →
 * MatMulInteger) with VPMADDUBSW on x86-64 CPUs without VNNI (SSE4.1, AVX2, AVX-512), which adds
 * pairs of products into int16 and saturates (microsoft/onnxruntime#12088); the option makes it
 * convert the constant int8 weights to u8 and compute exactly, as onnxruntime-web's WASM kernels
 * (the browser), onnxruntime-node on VNNI CPUs and the PyTorch reference (models/debian-sections/
 * bert.py) do. Measured on an AVX2-only AMD EPYC (2026-12-02): MatMulInteger of 255s by 127s over
 * K=64 gives 1048544 on onnxruntime-node against the exact 2072640 on onnxruntime-web, and
 * debian-sections logits differed from onnxruntime-web's on the same ids by 0.031 median, 0.167 max
 * (7 argmax flips) over its 2705 held-out texts; with the option 5e-7 median, 4.9e-3 max, no flip.
 * A no-op for fp32 models and on VNNI CPUs.
 */
export function openExactSession(modelPath: string): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(modelPath, {
    executionProviders: ['cpu'],
    extra: { session: { x64quantprecision: '1' } },
  });
}

/** A token tensor as a transformers.js tokenizer returns it (int64 data). */
interface TokenTensor {
  /** int64 ids as transformers.js gives them (BigInt64Array); typed as its union of tensor arrays. */
  data: ArrayLike<bigint | number>;
  dims: readonly number[];
}

/**
 * The `logits` of a text model on onnxruntime-node for a tokenizer's output, fed as transformers.js
 * feeds it: every input the graph declares, token_type_ids as zeros when the tokenizer gives none.
 */
export async function onnxNodeLogits(
  session: ort.InferenceSession,
  encoded: Readonly<Record<string, TokenTensor>>,
): Promise<number[]> {
  const ids = encoded.input_ids;
  if (!ids) throw new Error('the tokenizer gave no input_ids');
  const feeds: Record<string, ort.Tensor> = {};
  for (const name of session.inputNames) {
    const given = encoded[name];
    if (!given && name !== 'token_type_ids') throw new Error(`the tokenizer gave no ${name}`);
    const data = given ? BigInt64Array.from(given.data, BigInt) : new BigInt64Array(ids.data.length);
    feeds[name] = new ort.Tensor('int64', data, [...(given ?? ids).dims]);
  }
  const logits = (await session.run(feeds)).logits;
  if (!logits) throw new Error('the model returned no "logits" output');
  return Array.from(logits.data as Float32Array);
}
