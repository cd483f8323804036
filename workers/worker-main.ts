/// <reference lib="webworker" />
import './zod-jitless.ts';
import { expose } from 'comlink';
import { isRunRequest, isRunSlotMessage, type RunRequest } from './client/run-channel.ts';
import { runSlotOf } from './client/run-slot.ts';
import { registerFerryErrorTransfer } from './errors-transfer.ts';
import { createRunAnswers } from './run-answers.ts';
import { serveRunSlot } from './serve-run-slot.ts';
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

/** Answers the page from now on: the run channel and comlink listen on the worker's global scope. */
export function startWorker(): void {
  registerFerryErrorTransfer();
  // Registered before comlink's listener, so a run request never reaches comlink.
  self.addEventListener('message', (event: MessageEvent<unknown>) => {
    // Read once: each read of `data` is a call into the browser.
    const { data } = event;
    if (isRunRequest(data)) {
      event.stopImmediatePropagation();
      return answer(data);
    }
    if (!isRunSlotMessage(data)) return;
    event.stopImmediatePropagation();
    // The page's shared run slot (client/run-slot.ts), sent once, before its first slot run.
    serveRunSlot(runSlotOf(data.ferryRunSlot), answer);
  });
  expose(api);
}
