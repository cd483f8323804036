import type { SerializedFerryError } from '$shared';
import type { OrtLogLevel } from '../config.ts';
import type { OnnxFindings, OnnxJob } from './examine-onnx.ts';

/** What the model-work thread is started with (its `workerData`). */
export interface ModelWorkData {
  /** FERRY_ORT_LOG_LEVEL: onnxruntime's native log in the thread, as in the server. */
  ortLogLevel: OrtLogLevel;
}

/** Server → thread: one job; the thread answers each with one {@link FromModelWork} of the same id. */
export interface ToModelWork {
  id: number;
  job: OnnxJob;
}

/** Thread → server: the findings, the FerryError the checks threw, or `internal` (logged there). */
export type FromModelWork =
  | { id: number; findings: OnnxFindings }
  | { id: number; error: SerializedFerryError }
  | { id: number; internal: true };

/**
 * What to transfer with `bytes` instead of copying it: its buffer, when the bytes own all of it (a
 * pooled Buffer's slice shares its pool with unrelated data, which must stay).
 */
export function transferable(bytes: Uint8Array | undefined): ArrayBuffer[] {
  if (!bytes || bytes.byteOffset !== 0 || bytes.byteLength !== bytes.buffer.byteLength) return [];
  return bytes.buffer instanceof ArrayBuffer ? [bytes.buffer] : [];
}
