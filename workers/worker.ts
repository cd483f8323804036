/// <reference lib="webworker" />
import './zod-jitless.ts';
import { expose } from 'comlink';
import { serializeFerryError, type FerryError } from '$shared/errors.ts';
import { isRunRequest, type RunReply, type RunRequest } from './client/run-channel.ts';
import { registerFerryErrorTransfer } from './errors-transfer.ts';
import { transferablesOf } from './client/transferables.ts';
import { packScores } from './client/packed-scores.ts';
import type { EngineResult } from './runtime/engine.ts';
import { createWorkerApi, type RunAnswer } from './worker-api.ts';

const api = createWorkerApi();

/** The API the Ferry worker exposes; the client wraps it (see client.ts). */
export type WorkerApi = typeof api;

// Each model's labels as last sent to the page (client/packed-scores.ts).
const sentLabels = new Map<string, string[]>();

/** Posts the answer to `request`, moving its buffers (the outputs' and the packed scores'). */
function reply({ ferryRun, model }: RunRequest, { outputs, scores, boxes }: EngineResult, latencyMs: number) {
  const message: RunReply = { ferryRan: ferryRun, outputs, latencyMs };
  const transfer = transferablesOf(outputs);
  const packed = scores && packScores(scores, sentLabels.get(model));
  if (packed) {
    message.scores = packed.pairs;
    transfer.push(packed.pairs.buffer as ArrayBuffer);
    if (packed.labels) message.labels = packed.labels;
  }
  if (boxes) message.boxes = boxes;
  self.postMessage(message, transfer);
  // Only once posted: a reply that could not be sent must not count as having sent its labels.
  if (packed?.labels) sentLabels.set(model, packed.labels);
}

/** Posts the FerryError that `request` failed with. */
function refuse({ ferryRun }: RunRequest, error: FerryError) {
  const message: RunReply = { ferryRan: ferryRun, error: serializeFerryError(error) };
  self.postMessage(message);
}

// One object for every run: runThen hands each request back to it, so a run makes no closure.
const answers: RunAnswer<RunRequest> = { reply, fail: refuse };

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
