/// <reference lib="webworker" />
import { expose } from 'comlink';
import { serializeFerryError } from '$shared/errors.ts';
import { isRunRequest, type RunReply, type RunRequest } from './client/run-channel.ts';
import { asFerryError, registerFerryErrorTransfer } from './errors-transfer.ts';
import { transferablesOf } from './client/transferables.ts';
import type { RunResult } from './types.ts';
import { createWorkerApi } from './worker-api.ts';

const api = createWorkerApi();

/** The API the Ferry worker exposes; the client wraps it (see client.ts). */
export type WorkerApi = typeof api;

/** Answers one run request of the page (client/run-channel.ts), moving the outputs' buffers. */
function answer({ ferryRun, model, input }: RunRequest): void {
  const reply = (result: RunResult) => {
    const message: RunReply = { ferryRan: ferryRun, result };
    self.postMessage(message, transferablesOf(result.outputs));
  };
  api.runThen(model, input, reply).catch((error: unknown) => {
    const message: RunReply = { ferryRan: ferryRun, error: serializeFerryError(asFerryError(error)) };
    self.postMessage(message);
  });
}

// With WASM threads, onnxruntime-web starts this same script again as pthread workers named
// "em-pthread"; those must not answer comlink messages meant for the model worker.
if (self.name !== 'em-pthread') {
  registerFerryErrorTransfer();
  // Registered before comlink's listener, so a run request never reaches comlink.
  self.addEventListener('message', (event: MessageEvent<unknown>) => {
    if (!isRunRequest(event.data)) return;
    event.stopImmediatePropagation();
    answer(event.data);
  });
  expose(api);
}
