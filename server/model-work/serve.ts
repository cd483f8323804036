import type { MessagePort } from 'node:worker_threads';
import { isFerryError } from '$shared';
import { serializeFerryError } from '$shared/errors.ts';
import { setOrtLogLevel } from '../services/onnx-check.ts';
import { examineOnnx } from './examine-onnx.ts';
import { transferable, type FromModelWork, type ModelWorkData, type ToModelWork } from './protocol.ts';

/**
 * The model-work thread's side (worker.ts runs it): runs each job it is sent with
 * {@link examineOnnx}, one at a time in the order sent (the server sends one at a time), and answers
 * with the findings, the compiled form's bytes transferred rather than copied.
 */
export function serveModelWork(port: MessagePort, data: ModelWorkData): void {
  setOrtLogLevel(data.ortLogLevel);
  // One job at a time even if two arrive: each one's onnxruntime sessions are its alone.
  let previous: Promise<unknown> = Promise.resolve();
  port.on('message', ({ id, job }: ToModelWork) => {
    previous = previous
      .then(() => examineOnnx(job))
      .then(
        (findings) =>
          port.postMessage({ id, findings } satisfies FromModelWork, transferable(findings.compiled)),
        (error: unknown) => {
          if (isFerryError(error)) {
            port.postMessage({ id, error: serializeFerryError(error) } satisfies FromModelWork);
            return;
          }
          console.error(`ferry: checking ${job.file} failed on the model-work thread`, error);
          port.postMessage({ id, internal: true } satisfies FromModelWork);
        },
      );
  });
}
