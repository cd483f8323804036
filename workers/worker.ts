/// <reference lib="webworker" />
import './zod-jitless.ts';
import { expose } from 'comlink';
import { isRunRequest, type RunRequest } from './client/run-channel.ts';
import { registerFerryErrorTransfer } from './errors-transfer.ts';
import { createRunAnswers } from './run-answers.ts';
import { createWorkerApi } from './worker-api.ts';

const api = createWorkerApi();

/** The API the Ferry worker exposes; the client wraps it (see client.ts). */
export type WorkerApi = typeof api;

// One object for every run (run-answers.ts).
const answers = createRunAnswers((reply, transfer) => self.postMessage(reply, transfer));

/** Answers one run request of the page (client/run-channel.ts). */
function answer(request: RunRequest): void {
  api.runThen(request, answers);
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
