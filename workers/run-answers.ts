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
  /** The model's packed scores, refilled by each reply (posting clones them). */
  pairs?: number[];
}

/**
 * The worker's end of the run protocol (client/run-channel.ts): answers that hand each run's
 * reply to `post` with the buffers to move, its outputs and scores packed against what the page
 * last received for the model. One object for every run: runThen hands each request back to it,
 * so a run makes no closure. Each model's scores are packed into one array, refilled per reply.
 */
export function createRunAnswers(
  post: (reply: RunReply, transfer: Transferable[]) => void,
): RunAnswer<RunRequest> {
  const sent = new Map<string, Sent>();
  return {
    reply({ ferryRun, model }, { outputs, scores, boxes }, latencyMs) {
      let last = sent.get(model);
      const packed = packOutputs(outputs, last?.layout);
      const message: RunReply = { ferryRan: ferryRun, data: packed.data, latencyMs };
      if (packed.layout) message.layout = packed.layout;
      const packedScores = scores && packScores(scores, last?.labels, last?.pairs);
      if (packedScores) {
        message.scores = packedScores.pairs;
        if (packedScores.labels) message.labels = packedScores.labels;
      }
      if (boxes) message.boxes = boxes;
      post(message, transferablesOf(outputs));
      if (!last) sent.set(model, (last = {}));
      if (packedScores) last.pairs = packedScores.pairs;
      // Only once posted: a reply that could not be sent must not count as having sent its layout or labels.
      if (packed.layout) last.layout = packed.layout;
      if (packedScores?.labels) last.labels = packedScores.labels;
    },
    fail({ ferryRun }, error) {
      post({ ferryRan: ferryRun, error: serializeFerryError(error) }, []);
    },
  };
}
