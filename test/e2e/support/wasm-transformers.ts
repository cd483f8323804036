import type * as TransformersModule from '@huggingface/transformers';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import * as ortWeb from 'onnxruntime-web/wasm';

type Transformers = typeof TransformersModule;

const wasmDir = path.dirname(
  createRequire(import.meta.url).resolve('onnxruntime-web/ort-wasm-simd-threaded.wasm'),
);

/**
 * onnxruntime-web with one change: transformers.js in Node hands `InferenceSession.create` a file
 * path (it would pass bytes in a browser), which onnxruntime-web can only fetch(), and Node's fetch
 * takes no paths; the file is read here instead.
 */
const injected = {
  ...ortWeb,
  InferenceSession: Object.assign(Object.create(ortWeb.InferenceSession) as object, {
    async create(model: string | Uint8Array, options: ortWeb.InferenceSession.SessionOptions = {}) {
      return ortWeb.InferenceSession.create(
        typeof model === 'string' ? await readFile(model) : model,
        options,
      );
    },
  }),
};

let loading: Promise<Transformers> | undefined;

/**
 * transformers.js running on onnxruntime-web's WASM backend in Node: the kernels the browser worker
 * runs (workers/runtime/transformers-env.ts injects the same onnxruntime-web), from local wasm
 * files. transformers.js picks its runtime once, when it is first imported
 * (`Symbol.for('onnxruntime')`), so this must come before any other import of it in the process;
 * it throws if one came first. Load models with `device: 'auto'`.
 */
export function importTransformersOnWasm(): Promise<Transformers> {
  loading ??= (async () => {
    ortWeb.env.wasm.wasmPaths = `${wasmDir}/`;
    // One thread: 1 and 2 gave bit-identical debian-sections logits here.
    ortWeb.env.wasm.numThreads = 1;
    (globalThis as Record<symbol, unknown>)[Symbol.for('onnxruntime')] = injected;
    const tf = await import('@huggingface/transformers');
    if (tf.env.backends.onnx.wasm !== ortWeb.env.wasm) {
      throw new Error(
        'transformers.js was imported before importTransformersOnWasm(): it runs on another runtime',
      );
    }
    return tf;
  })();
  return loading;
}
