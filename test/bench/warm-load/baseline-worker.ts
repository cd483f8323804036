/// <reference lib="webworker" />
// The baseline of the warm-load benchmark: plain transformers.js in a module worker, on the same
// onnxruntime-web WASM build as Ferry's worker (injected through Symbol.for('onnxruntime'), as
// Ferry injects it), loading a model's files from a static server with transformers.js's own
// browser cache. Built by test/bench/warm-load.ts with Ferry's Vite worker plugin.
import * as ort from 'onnxruntime-web/wasm';
// A string in the bundle: importing it dynamically would cost the worker a chunk's round trip
// before transformers.js could even be requested.
import wasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.wasm?url';

/** What the page asks: the model folder's URL prefix and name, a text, and the WASM threads. */
interface Ask {
  modelBase: string;
  model: string;
  text: string;
  threads: number;
}

async function classify(ask: Ask): Promise<unknown> {
  ort.env.wasm.wasmPaths = { wasm: new URL(wasmUrl, self.location.href).href };
  ort.env.wasm.numThreads = ask.threads;
  (globalThis as Record<symbol, unknown>)[Symbol.for('onnxruntime')] = ort;
  const tf = await import('@huggingface/transformers');
  Object.assign(tf.env, { allowRemoteModels: false, allowLocalModels: true, localModelPath: ask.modelBase });
  const pipe = await tf.pipeline('text-classification', ask.model, {
    dtype: 'q8',
    device: 'auto',
    session_options: { executionProviders: ['wasm'] },
  });
  return pipe(ask.text);
}

// onnxruntime-web starts this script again as its pthread workers ("em-pthread").
if (self.name !== 'em-pthread') {
  self.onmessage = (event: MessageEvent<Ask>) => {
    classify(event.data).then(
      (result) => self.postMessage({ result }),
      (error: unknown) => self.postMessage({ error: String(error) }),
    );
  };
}
