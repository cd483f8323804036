import { deserializeFerryError, ErrorCode, FerryError, type SerializedFerryError } from '$shared/errors.ts';
import type { RunInput, RunResult, TensorOutput, TextBox } from '../types.ts';
import { unpackOutputs, type OutputShape } from './packed-outputs.ts';
import { unpackScores } from './packed-scores.ts';
import {
  readAnswer,
  runSlotOf,
  SlotState,
  STATE,
  waitAsync,
  writeRequest,
  type RunSlot,
  type SlotRequest,
} from './run-slot.ts';

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
  /**
   * Set in the worker on a request read from the shared slot (run-slot.ts), never posted: where
   * it may answer, and how many layout or labels updates the page had received for the model
   * when it wrote the request (the answer may go into the slot only if that is all the worker sent).
   */
  slot?: RunSlot;
  known?: number;
}

/** The page's one message handing the worker its run slot (run-slot.ts), before the first slot run. */
export interface RunSlotMessage {
  ferryRunSlot: SharedArrayBuffer;
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

/** Whether a worker message hands the worker its run slot. */
export function isRunSlotMessage(data: unknown): data is RunSlotMessage {
  return (
    typeof data === 'object' &&
    data !== null &&
    typeof SharedArrayBuffer !== 'undefined' &&
    (data as RunSlotMessage).ferryRunSlot instanceof SharedArrayBuffer
  );
}

/** The page's end of the run protocol on one worker. */
export interface RunChannel {
  /**
   * Sends `input` to model `model`: through the shared slot when it can (bytes copied in,
   * `transfer`'s buffers detached after), else posted with `transfer`'s buffers moved, not
   * copied. Resolves with the result, rejects with the worker's FerryError (or the error
   * {@link RunChannel.fail} was given). Throws synchronously what postMessage throws (an input
   * that cannot be cloned).
   */
  run(model: string, input: RunInput, transfer: Transferable[]): Promise<RunResult>;
  /** The worker is gone: rejects every pending call, and every later one, with `error`. */
  fail(error: FerryError): void;
  /** How many runs went through the shared slot rather than postMessage (tests read it). */
  readonly slotRuns: number;
}

/** Options of {@link createRunChannel}. */
export interface RunChannelOptions {
  /**
   * Send runs that fit through a SharedArrayBuffer slot (run-slot.ts) when the page can share
   * memory with the worker (default: when it is cross-origin isolated); `false` posts every run.
   */
  slot?: boolean;
}

/** What a channel last received for a model: its output layout and its labels. */
interface Known {
  layout: OutputShape[];
  labels: string[];
  /** How many replies brought a new layout or labels (the worker counts what it sent: RunRequest.known). */
  updates: number;
}

interface Pending {
  model: string;
  resolve: (result: RunResult) => void;
  reject: (error: unknown) => void;
}

/** `ArrayBuffer.prototype.transfer` (ES2024), where the runtime has it. */
type Transferring = ArrayBuffer & { transfer?: (length: number) => ArrayBuffer };

/**
 * Detaches `buffers` as posting them would (the slot copied their bytes): `transfer(0)` moves
 * nothing, structuredClone is the fallback where `transfer` is missing. Returns false, touching
 * none, when one is not an ArrayBuffer (the call is then posted, which moves it).
 */
function detach(buffers: readonly Transferable[]): boolean {
  for (const buffer of buffers) if (!(buffer instanceof ArrayBuffer)) return false;
  for (const buffer of buffers as readonly Transferring[]) {
    if (buffer.transfer) buffer.transfer(0);
    else structuredClone(buffer, { transfer: [buffer] });
  }
  return true;
}

/** Whether this page can share a slot with its worker: shared memory, and waiting on it without blocking. */
function canShare(): boolean {
  return (
    globalThis.crossOriginIsolated === true &&
    typeof SharedArrayBuffer !== 'undefined' &&
    waitAsync !== undefined
  );
}

/**
 * Listens once on `worker` for run replies; add it before comlink's listener, which then never
 * sees them. The channel rejects its own pending calls when the worker dies (the connection calls
 * `fail`), so a run needs no race against the worker's death: racing every call against one
 * long-lived promise would hang a reaction on it per call.
 *
 * A run that fits goes through the shared slot (run-slot.ts) when the page may share memory: its
 * inputs copied in, `Atomics.notify`, and `Atomics.waitAsync` for the answer, so the main thread
 * never blocks and pays no postMessage. One run at a time uses the slot; a run called while it is
 * busy, or that does not fit, is posted. The worker answers a slot run in the slot, or by
 * postMessage under the same sequence number (an error, a new layout or labels, boxes, an answer
 * too large), and the call settles there.
 */
export function createRunChannel(worker: Worker, options: RunChannelOptions = {}): RunChannel {
  const pending = new Map<number, Pending>();
  // Each model's output layout and labels as the worker last sent them.
  const models = new Map<string, Known>();
  let sequence = 0;
  let failed: FerryError | undefined;
  const sharing = options.slot ?? canShare();
  let slot: RunSlot | undefined;
  // The sequence number of the run in the slot; 0 while it is free.
  let slotCall = 0;
  let slotRuns = 0;

  /** Settles `call` with a reply's fields, its outputs and scores named from what `model` last received. */
  function settle(
    call: Pending,
    reply: { data: TensorOutput['data'][]; latencyMs: number; scores?: number[]; boxes?: TextBox[] },
  ): void {
    const model = models.get(call.model);
    // Cannot happen while both ends keep the protocol; a call rejected beats one left hanging.
    if (!model || reply.data.length !== model.layout.length) {
      return call.reject(new FerryError(ErrorCode.INTERNAL, `run: a reply without its outputs' layout`));
    }
    const result: RunResult = {
      outputs: unpackOutputs(reply.data, model.layout),
      latencyMs: reply.latencyMs,
    };
    if (reply.scores) result.scores = unpackScores(reply.scores, model.labels);
    if (reply.boxes) result.boxes = reply.boxes;
    call.resolve(result);
  }

  worker.addEventListener('message', (event: MessageEvent<unknown>) => {
    const reply = event.data as RunReply | null;
    if (typeof reply !== 'object' || reply === null || typeof reply.ferryRan !== 'number') return;
    event.stopImmediatePropagation();
    // The reply to the slot's run: the worker marked it POSTED before posting it (run-answers.ts),
    // so the slot is free now, whichever task the page's wake-up comes in (browsers do not order
    // it against messages). The next run finds the slot free.
    if (reply.ferryRan === slotCall && Atomics.load((slot as RunSlot).words, STATE) === SlotState.POSTED)
      freeSlot();
    const call = pending.get(reply.ferryRan);
    if (!call) return;
    pending.delete(reply.ferryRan);
    if (reply.error) return call.reject(deserializeFerryError(reply.error));
    let model = models.get(call.model);
    if (!model) models.set(call.model, (model = { layout: [], labels: [], updates: 0 }));
    if (reply.layout) model.layout = reply.layout;
    if (reply.labels) model.labels = reply.labels;
    if (reply.layout || reply.labels) model.updates++;
    settle(call, reply);
  });

  function freeSlot(): void {
    Atomics.store((slot as RunSlot).words, STATE, SlotState.FREE);
    slotCall = 0;
  }

  /**
   * The worker woke the page for slot run `ferryRun`: settles it when answered in the slot, and
   * frees the slot. A wake-up for a run the slot no longer holds (freed by its posted reply) is stale.
   */
  function answered(ferryRun: number): void {
    if (slotCall !== ferryRun) return;
    const state = Atomics.load((slot as RunSlot).words, STATE);
    if (state === SlotState.REQUESTED) return awaitSlot(ferryRun);
    const call = pending.get(ferryRun);
    // POSTED: the call settles when its reply arrives. No call: the channel failed meanwhile.
    if (state === SlotState.ANSWERED && call) {
      pending.delete(ferryRun);
      settle(call, readAnswer(slot as RunSlot, models.get(call.model)?.layout.length ?? 0));
    }
    freeSlot();
  }

  function awaitSlot(ferryRun: number): void {
    const waited = (waitAsync as NonNullable<typeof waitAsync>)(
      (slot as RunSlot).words,
      STATE,
      SlotState.REQUESTED,
    );
    if (waited.async) void waited.value.then(() => answered(ferryRun));
    else answered(ferryRun);
  }

  /** Sends `request` through the slot and returns true, or returns false having sent nothing. */
  function sendBySlot(request: SlotRequest, transfer: Transferable[]): boolean {
    if (!slot) {
      slot = runSlotOf();
      const message: RunSlotMessage = { ferryRunSlot: slot.buffer };
      worker.postMessage(message);
    }
    if (!writeRequest(slot, request) || !detach(transfer)) return false;
    slotCall = request.ferryRun;
    slotRuns++;
    Atomics.store(slot.words, STATE, SlotState.REQUESTED);
    Atomics.notify(slot.words, STATE);
    awaitSlot(slotCall);
    return true;
  }

  return {
    run(model, input, transfer) {
      if (failed) return Promise.reject(failed);
      const ferryRun = ++sequence;
      const result = new Promise<RunResult>((resolve, reject) => {
        pending.set(ferryRun, { model, resolve, reject });
      });
      const known = models.get(model)?.updates ?? 0;
      if (sharing && slotCall === 0 && sendBySlot({ ferryRun, model, input, known }, transfer)) return result;
      const request: RunRequest = { ferryRun, model, input };
      try {
        worker.postMessage(request, transfer);
      } catch (error) {
        pending.delete(ferryRun);
        throw error;
      }
      return result;
    },
    fail(error) {
      failed ??= error;
      for (const call of pending.values()) call.reject(failed);
      pending.clear();
    },
    get slotRuns() {
      return slotRuns;
    },
  };
}
