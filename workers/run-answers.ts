import { serializeFerryError } from '$shared/errors.ts';
import { packOutputs, type OutputShape } from './client/packed-outputs.ts';
import { packScores } from './client/packed-scores.ts';
import type { RunReply, RunRequest } from './client/run-channel.ts';
import { SlotState, writeAnswer } from './client/run-slot.ts';
import { transferablesOf } from './client/transferables.ts';
import type { RunAnswer } from './worker-api.ts';
import { releaseRunSlot } from './serve-run-slot.ts';

/** What the page last received for a model on this channel (client/run-channel.ts). */
interface Sent {
  layout?: OutputShape[];
  labels?: string[];
  /** The model's packed scores, refilled by each reply (posting clones them). */
  pairs?: number[];
  /** How many replies carried a new layout or labels (the page counts what it received: RunRequest.known). */
  updates: number;
}

/** Marks `request`'s slot POSTED (its answer comes by postMessage) and lets go of it. */
function postedFromSlot(request: RunRequest): void {
  releaseRunSlot(request.slot as NonNullable<RunRequest['slot']>, SlotState.POSTED);
  request.slot = undefined;
}

/**
 * The worker's end of the run protocol (client/run-channel.ts): answers that hand each run's
 * reply to `post` with the buffers to move, its outputs and scores packed against what the page
 * last received for the model. One object for every run: runThen hands each request back to it,
 * so a run makes no closure. Each model's scores are packed into one array, refilled per reply.
 *
 * A request read from the run slot (serve-run-slot.ts) is answered in the slot when the page had
 * received every layout and labels update sent for the model before it wrote the request, the
 * reply brings none, has no boxes, and fits; otherwise (errors too) it is posted as any run's
 * reply, and the slot marked POSTED first: the page frees the slot when that reply arrives, so
 * the mark must be there by then (client/run-channel.ts). The slot is released once per run:
 * a reply that then cannot be posted fails by postMessage alone.
 */
export function createRunAnswers(
  post: (reply: RunReply, transfer: Transferable[]) => void,
): RunAnswer<RunRequest> {
  const sent = new Map<string, Sent>();
  return {
    reply(request, { outputs, scores, boxes }, latencyMs) {
      const { ferryRun, model, slot } = request;
      let last = sent.get(model);
      const packed = packOutputs(outputs, last?.layout);
      const packedScores = scores && packScores(scores, last?.labels, last?.pairs);
      if (
        slot &&
        last &&
        request.known === last.updates &&
        !packed.layout &&
        !packedScores?.labels &&
        !boxes &&
        writeAnswer(slot, {
          data: packed.data,
          latencyMs,
          ...(packedScores ? { scores: packedScores.pairs } : {}),
        })
      ) {
        if (packedScores) last.pairs = packedScores.pairs;
        return releaseRunSlot(slot, SlotState.ANSWERED);
      }
      const message: RunReply = { ferryRan: ferryRun, data: packed.data, latencyMs };
      if (packed.layout) message.layout = packed.layout;
      if (packedScores) {
        message.scores = packedScores.pairs;
        if (packedScores.labels) message.labels = packedScores.labels;
      }
      if (boxes) message.boxes = boxes;
      if (slot) postedFromSlot(request);
      post(message, transferablesOf(outputs));
      if (!last) sent.set(model, (last = { updates: 0 }));
      if (packedScores) last.pairs = packedScores.pairs;
      // Only once posted: a reply that could not be sent must not count as having sent its layout or labels.
      if (packed.layout) last.layout = packed.layout;
      if (packedScores?.labels) last.labels = packedScores.labels;
      if (packed.layout || packedScores?.labels) last.updates++;
    },
    fail(request, error) {
      if (request.slot) postedFromSlot(request);
      post({ ferryRan: request.ferryRun, error: serializeFerryError(error) }, []);
    },
  };
}
