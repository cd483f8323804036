import {
  BundleManifest,
  ErrorCode,
  FerryError,
  ReferenceProfile,
  describeIssue,
  type PublishedFile,
  type UploadedFile,
} from '$shared';
import type { ServiceDeps } from './deps.ts';
import { checkSignature, readGraphSignature } from './onnx-check.ts';

/**
 * Parses a bundle manifest. Throws `MANIFEST_INVALID` with `prefix` followed by the field at fault
 * (e.g. prefix `manifest.` gives `manifest.signature.inputs.0.type: …`).
 */
export function parseBundleManifest(raw: unknown, prefix: string): BundleManifest {
  const parsed = BundleManifest.safeParse(raw);
  if (parsed.success) return parsed.data;
  throw new FerryError(ErrorCode.MANIFEST_INVALID, `${prefix}${describeIssue(parsed.error, '')}`);
}

/**
 * Pairs each file `ferry.json` lists with its uploaded digest and checks that the blob is stored
 * with that size and within the size limit. Throws naming the file at fault.
 */
export async function resolveFiles(
  deps: ServiceDeps,
  manifest: BundleManifest,
  uploaded: readonly UploadedFile[],
): Promise<PublishedFile[]> {
  const byPath = new Map(uploaded.map((file) => [file.path, file]));
  const listed = new Set(manifest.files.map((file) => file.path));
  const extra = uploaded.findIndex((file) => !listed.has(file.path));
  if (extra >= 0) {
    throw new FerryError(
      ErrorCode.INVALID_INPUT,
      `files[${extra}].path: ${uploaded[extra]?.path} is not listed in ferry.json`,
    );
  }
  const resolved: PublishedFile[] = [];
  for (const [index, file] of manifest.files.entries()) {
    const upload = byPath.get(file.path);
    if (!upload) {
      throw new FerryError(
        ErrorCode.INVALID_INPUT,
        `manifest.files[${index}]: ${file.path} was not uploaded`,
      );
    }
    if (upload.size > deps.maxFileBytes) {
      throw new FerryError(
        ErrorCode.PAYLOAD_TOO_LARGE,
        `${file.path}: ${upload.size} bytes is over the limit of ${deps.maxFileBytes} bytes`,
        { details: { file: file.path, maxBytes: deps.maxFileBytes } },
      );
    }
    const stored = await deps.blobs.stat(upload.sha256);
    if (!stored) {
      throw new FerryError(
        ErrorCode.BLOB_NOT_FOUND,
        `${file.path}: no uploaded blob with sha256 ${upload.sha256}`,
        {
          details: { file: file.path },
        },
      );
    }
    if (stored.size !== upload.size) {
      throw new FerryError(
        ErrorCode.INTEGRITY_MISMATCH,
        `${file.path}: declared ${upload.size} bytes but the uploaded blob has ${stored.size}`,
        { details: { file: file.path } },
      );
    }
    resolved.push({ ...file, sha256: upload.sha256, size: upload.size });
  }
  return resolved;
}

/** Loads every `onnx` file and checks its real graph against the declared signature. */
export async function checkOnnxFiles(
  deps: ServiceDeps,
  manifest: BundleManifest,
  files: readonly PublishedFile[],
): Promise<void> {
  for (const file of files) {
    if (file.role !== 'onnx') continue;
    const bytes = await deps.blobs.readAll(file.sha256);
    const graph = await readGraphSignature(bytes, file.path);
    checkSignature(manifest.signature, graph, file.path);
  }
}

/**
 * Parses every `reference` file as a reference profile (shared/schemas/reference-profile.ts):
 * drift detection will compare live histograms against it, so a broken one is refused now
 * rather than discovered when the first telemetry arrives. Throws naming the file and field.
 */
export async function checkReferenceFiles(deps: ServiceDeps, files: readonly PublishedFile[]): Promise<void> {
  for (const file of files) {
    if (file.role !== 'reference') continue;
    let json: unknown;
    try {
      json = JSON.parse(
        new TextDecoder('utf-8', { fatal: true }).decode(await deps.blobs.readAll(file.sha256)),
      );
    } catch (error) {
      throw new FerryError(
        ErrorCode.MANIFEST_INVALID,
        `${file.path}: not UTF-8 JSON (${(error as Error).message})`,
        {
          details: { file: file.path },
        },
      );
    }
    const parsed = ReferenceProfile.safeParse(json);
    if (!parsed.success) {
      throw new FerryError(
        ErrorCode.MANIFEST_INVALID,
        `${file.path}: ${describeIssue(parsed.error, 'profile')}`,
        {
          details: { file: file.path },
        },
      );
    }
  }
}
