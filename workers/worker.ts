/// <reference lib="webworker" />
import { expose } from 'comlink';
import { registerFerryErrorTransfer } from './errors-transfer.ts';
import { createWorkerApi } from './worker-api.ts';

const api = createWorkerApi();

/** The API the Ferry worker exposes; the client wraps it (see client.ts). */
export type WorkerApi = typeof api;

// With WASM threads, onnxruntime-web starts this same script again as pthread workers named
// "em-pthread"; those must not answer comlink messages meant for the model worker.
if (self.name !== 'em-pthread') {
  registerFerryErrorTransfer();
  expose(api);
}
