import { serializeFerryError } from '$shared/errors.ts';
import { packOutputs, type OutputShape } from './client/packed-outputs.ts';
import { packScores } from './client/packed-scores.ts';
import type { RunReply, RunRequest } from './client/run-channel.ts';
import { transferablesOf } from './client/transferables.ts';
import type { RunAnswer } from './worker-api.ts';

/** What the page last received for a model on this channel (client/run-channel.ts). */
interface Sent {
  layout?: OutputShape[];
  labels?: string[];
}

/**
 * The worker's end of the run protocol (client/run-channel.ts): answers that hand each run's
 * reply to `post` with the buffers to move, its outputs and scores packed against what the page
 * last received for the model. One object for every run: runThen hands each request back to it,
 * so a run makes no closure.
 */
export function createRunAnswers(
  post: (reply: RunReply, transfer: Transferable[]) => void,
): RunAnswer<RunRequest> {
  const sent = new Map<string, Sent>();
  return {
    reply({ ferryRun, model }, { outputs, scores, boxes }, latencyMs) {
      const last = sent.get(model);
      const packed = packOutputs(outputs, last?.layout);
      const message: RunReply = { ferryRan: ferryRun, data: packed.data, latencyMs };
      const transfer = transferablesOf(outputs);
      if (packed.layout) message.layout = packed.layout;
      const packedScores = scores && packScores(scores, last?.labels);
      if (packedScores) {
        message.scores = packedScores.pairs;
        transfer.push(packedScores.pairs.buffer as ArrayBuffer);
        if (packedScores.labels) message.labels = packedScores.labels;
      }
      if (boxes) message.boxes = boxes;
      post(message, transfer);
      // Only once posted: a reply that could not be sent must not count as having sent its layout or labels.
      if (packed.layout || packedScores?.labels) {
        const now = last ?? {};
        if (packed.layout) now.layout = packed.layout;
        if (packedScores?.labels) now.labels = packedScores.labels;
        sent.set(model, now);
      }
    },
    fail({ ferryRun }, error) {
      post({ ferryRan: ferryRun, error: serializeFerryError(error) }, []);
    },
  };
}
