import type { BundleManifest, PublishedFile } from '$shared';
import { madeBefore } from '../compile/compile-files.ts';
import type { ServiceDeps } from '../services/deps.ts';
import type { OnnxFindings } from './examine-onnx.ts';

/**
 * Loads every `onnx` file once, on the model-work thread (deps.modelWork): checks its real graph
 * against the declared signature (throws `ONNX_INVALID` or `SIGNATURE_MISMATCH` naming the file)
 * and, when FERRY_COMPILE_MODELS is on and no earlier publish made one for the same bytes, makes
 * its compiled form. Returns each ONNX file's findings by path, for addCompiledForms (server/compile/); an
 * old opset's warning is logged here. `signal` aborts a publish whose client went away.
 */
export async function examineOnnxFiles(
  deps: ServiceDeps,
  manifest: BundleManifest,
  options: { files: readonly PublishedFile[]; signal?: AbortSignal | undefined },
): Promise<Map<string, OnnxFindings>> {
  const found = new Map<string, OnnxFindings>();
  for (const file of options.files) {
    if (file.role !== 'onnx') continue;
    const compile = deps.compileModels && (await madeBefore(deps, file)) === undefined;
    const bytes = await deps.blobs.readAll(file.sha256);
    const job = { file: file.path, bytes, signature: manifest.signature, compile };
    const findings = await deps.modelWork.examine(job, options.signal);
    if (findings.opsetWarning !== undefined) console.warn(findings.opsetWarning);
    found.set(file.path, findings);
  }
  return found;
}
