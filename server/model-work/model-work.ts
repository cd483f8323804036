import { examineOnnx, type OnnxFindings, type OnnxJob } from './examine-onnx.ts';

/**
 * Where a publish's onnxruntime work runs: loading, checking and compiling ONNX files block
 * whatever thread runs them for as long as onnxruntime takes (~160 ms per load of PaddleOCR's
 * detector here), so the server runs them on a thread of its own (model-work-thread.ts).
 */
export interface ModelWork {
  /**
   * {@link examineOnnx} on `job`: resolves with its findings or rejects with its FerryError
   * (ONNX_INVALID, SIGNATURE_MISMATCH). When the thread stops during the job, rejects with
   * ONNX_INVALID naming the file, and the next job gets a fresh thread; the server keeps running.
   * A job whose `signal` aborts before it starts is dropped from the queue and rejects with the
   * signal's reason. `job.bytes` may be transferred: the caller must not use them afterwards.
   */
  examine(job: OnnxJob, signal?: AbortSignal): Promise<OnnxFindings>;
  /**
   * Refuses what is queued or running (UNAVAILABLE) and stops the thread; resolves once it has
   * stopped, which for a thread inside onnxruntime is when that call returns. Idempotent.
   */
  close(): Promise<void>;
}

/**
 * {@link ModelWork} on the calling thread, for unit tests that publish without starting a thread
 * (it blocks the event loop while onnxruntime works, as publishing did before the thread).
 */
export function createInProcessModelWork(): ModelWork {
  return {
    examine(job, signal) {
      if (signal?.aborted) return Promise.reject(signal.reason as Error);
      return examineOnnx(job);
    },
    close: () => Promise.resolve(),
  };
}
