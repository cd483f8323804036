import { deserializeFerryError, ErrorCode, FerryError, type SerializedFerryError } from '$shared/errors.ts';
import type { RunInput, RunResult, TensorOutput, TextBox } from '../types.ts';
import { unpackOutputs, type OutputShape } from './packed-outputs.ts';
import { unpackScores } from './packed-scores.ts';

/**
 * run() travels as one bare postMessage each way instead of a comlink call: comlink costs a
 * proxy walk, a random id, a listener per call and a wire-value pass on both sides, which
 * tripled the boundary's cost on a small model. Every other, rarer call stays on comlink.
 */
export interface RunRequest {
  /** Sequence number of the call on this worker (never 0, so comlink ignores the reply). */
  ferryRun: number;
  /** The model's id in the worker. */
  model: string;
  input: RunInput;
}

/**
 * The worker's answer to the {@link RunRequest} with the same sequence number: the result's
 * fields, its outputs and scores packed (packed-outputs.ts, packed-scores.ts), with the model's
 * output layout and labels when they changed.
 */
export type RunReply =
  | {
      ferryRan: number;
      /** Each output's data, in the order of the model's layout. */
      data: TensorOutput['data'][];
      layout?: OutputShape[];
      latencyMs: number;
      scores?: number[];
      labels?: string[];
      boxes?: TextBox[];
      error?: undefined;
    }
  | { ferryRan: number; error: SerializedFerryError };

/** Whether a worker message is a run request (the worker answers it and hides it from comlink). */
export function isRunRequest(data: unknown): data is RunRequest {
  return typeof data === 'object' && data !== null && typeof (data as RunRequest).ferryRun === 'number';
}

/** The page's end of the run protocol on one worker. */
export interface RunChannel {
  /**
   * Posts `input` to model `model` with `transfer`'s buffers moved, not copied; resolves with
   * the result, rejects with the worker's FerryError (or the error {@link RunChannel.fail} was
   * given). Throws synchronously what postMessage throws (an input that cannot be cloned).
   */
  run(model: string, input: RunInput, transfer: Transferable[]): Promise<RunResult>;
  /** The worker is gone: rejects every pending call, and every later one, with `error`. */
  fail(error: FerryError): void;
}

/** What a channel last received for a model: its output layout and its labels. */
interface Known {
  layout: OutputShape[];
  labels: string[];
}

interface Pending {
  model: string;
  resolve: (result: RunResult) => void;
  reject: (error: unknown) => void;
}

/**
 * Listens once on `worker` for run replies; add it before comlink's listener, which then never
 * sees them. The channel rejects its own pending calls when the worker dies (the connection calls
 * `fail`), so a run needs no race against the worker's death: racing every call against one
 * long-lived promise would hang a reaction on it per call.
 */
export function createRunChannel(worker: Worker): RunChannel {
  const pending = new Map<number, Pending>();
  // Each model's output layout and labels as the worker last sent them.
  const known = new Map<string, Known>();
  let sequence = 0;
  let failed: FerryError | undefined;
  worker.addEventListener('message', (event: MessageEvent<unknown>) => {
    const reply = event.data as RunReply | null;
    if (typeof reply !== 'object' || reply === null || typeof reply.ferryRan !== 'number') return;
    event.stopImmediatePropagation();
    const call = pending.get(reply.ferryRan);
    if (!call) return;
    pending.delete(reply.ferryRan);
    if (reply.error) return call.reject(deserializeFerryError(reply.error));
    let model = known.get(call.model);
    if (!model) known.set(call.model, (model = { layout: [], labels: [] }));
    if (reply.layout) model.layout = reply.layout;
    if (reply.labels) model.labels = reply.labels;
    const { data, latencyMs, scores, boxes } = reply;
    // Cannot happen while both ends keep the protocol; a call rejected beats one left hanging.
    if (data.length !== model.layout.length) {
      return call.reject(new FerryError(ErrorCode.INTERNAL, `run: a reply without its outputs' layout`));
    }
    const result: RunResult = { outputs: unpackOutputs(data, model.layout), latencyMs };
    if (scores) result.scores = unpackScores(scores, model.labels);
    if (boxes) result.boxes = boxes;
    call.resolve(result);
  });
  return {
    run(model, input, transfer) {
      if (failed) return Promise.reject(failed);
      const request: RunRequest = { ferryRun: ++sequence, model, input };
      worker.postMessage(request, transfer);
      return new Promise<RunResult>((resolve, reject) => {
        pending.set(request.ferryRun, { model, resolve, reject });
      });
    },
    fail(error) {
      failed ??= error;
      for (const call of pending.values()) call.reject(failed);
      pending.clear();
    },
  };
}
