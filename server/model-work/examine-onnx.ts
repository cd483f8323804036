import type { Signature } from '$shared';
import { compileOnnx } from '../compile/compile-onnx.ts';
import { whyNotTheSameAs } from '../compile/same-outputs.ts';
import {
  checkSignature,
  loadOnnxAsWritten,
  oldOpsetWarning,
  plainOrtReason,
  signatureOf,
} from '../services/onnx-check.ts';

/** One ONNX file of a publish, for {@link examineOnnx}. */
export interface OnnxJob {
  /** The file's path in the bundle: errors and warnings name it. */
  file: string;
  bytes: Uint8Array;
  /** The manifest's declared signature, checked against the real graph. */
  signature: Signature;
  /** Whether to make a compiled form (FERRY_COMPILE_MODELS on, and none made before for these bytes). */
  compile: boolean;
}

/** What {@link examineOnnx} found about a file that passed its checks. */
export interface OnnxFindings {
  /** A warning line for an opset onnxruntime does not guarantee, logged as the check's. */
  opsetWarning?: string;
  /** The compiled form, when one was asked for and stands in for the file. */
  compiled?: Uint8Array;
  /** The warning line saying why there is none, when one was asked for. */
  notCompiled?: string;
}

/**
 * All of a publish's onnxruntime work on one ONNX file, with the file loaded as written once:
 * loads it (`ONNX_INVALID` when onnxruntime cannot), checks its real signature against the declared
 * one (`SIGNATURE_MISMATCH`), then, when asked, compiles it (compile-onnx.ts) and keeps the compiled
 * form only if it gives this session's outputs (same-outputs.ts). Runs on the model-work thread;
 * nothing here logs, so what it says reaches the server's log from the server's own thread.
 */
export async function examineOnnx(job: OnnxJob): Promise<OnnxFindings> {
  const ort = await import('onnxruntime-node');
  const session = await loadOnnxAsWritten(ort, job.bytes, job.file);
  try {
    const opsetWarning = oldOpsetWarning(job.bytes, job.file);
    const findings: OnnxFindings = opsetWarning === undefined ? {} : { opsetWarning };
    checkSignature(job.signature, signatureOf(session), job.file);
    if (!job.compile) return findings;
    let compiled: Uint8Array;
    try {
      compiled = await compileOnnx(job.bytes);
    } catch (error) {
      const why = `onnxruntime could not optimise it: ${plainOrtReason(String(error))}`;
      return { ...findings, notCompiled: `ferry: warning: ${job.file}: no compiled form (${why})` };
    }
    const reason = await whyNotTheSameAs(session, compiled);
    if (reason === undefined) return { ...findings, compiled };
    const notCompiled = `ferry: warning: ${job.file}: no compiled form (${reason}); devices load the file itself`;
    return { ...findings, notCompiled };
  } finally {
    await session.release();
  }
}
