import {
  BundleManifest,
  ErrorCode,
  FerryError,
  ReferenceProfile,
  describeIssue,
  type FeatureMeasure,
  type PublishedFile,
  type Task,
  type UploadedFile,
} from '$shared';
import { isTokenMeasure } from '$shared/features/text-features.ts';
import type { ServiceDeps } from './deps.ts';
import { checkImageInput } from './image-input-check.ts';

/**
 * Parses a bundle manifest. Throws `MANIFEST_INVALID` with `prefix` followed by the field at fault
 * (e.g. prefix `manifest.` gives `manifest.signature.inputs.0.type: …`).
 */
export function parseBundleManifest(raw: unknown, prefix: string): BundleManifest {
  const parsed = BundleManifest.safeParse(raw);
  if (!parsed.success) {
    throw new FerryError(ErrorCode.MANIFEST_INVALID, `${prefix}${describeIssue(parsed.error, '')}`);
  }
  if (parsed.data.reference) checkFeatureMeasures(parsed.data, parsed.data.reference, `${prefix}reference.`);
  checkImageInput(parsed.data, prefix);
  return parsed.data;
}

/** Tasks the runtime runs on transformers.js, whose tokenizer gives the token extractors their ids. */
const TOKENIZED_TASKS: ReadonlySet<Task> = new Set<Task>(['text-classification', 'feature-extraction']);

/** Why the runtime cannot measure `measure` on this bundle's input, or undefined when it can. */
function unmeasurable(manifest: BundleManifest, measure: FeatureMeasure): string | undefined {
  const input = manifest.preprocessing.kind;
  if (measure.kind === 'column') {
    if (manifest.preprocessing.kind !== 'tabular') {
      return `reads column ${JSON.stringify(measure.column)}, but the bundle's input is not tabular (preprocessing.kind ${input})`;
    }
    const columns = manifest.preprocessing.features.map((f) => f.name);
    return columns.includes(measure.column)
      ? undefined
      : `reads column ${JSON.stringify(measure.column)}, which is not a column of the tabular input (preprocessing.features)`;
  }
  if (measure.kind !== input) {
    return `uses the ${measure.kind} extractor ${measure.extractor}, but the bundle's input is ${input} (preprocessing.kind)`;
  }
  // The ink grid is one plane: the runtime measures one-channel images only (workers/telemetry).
  if (manifest.preprocessing.kind === 'image' && manifest.preprocessing.channels !== 1) {
    return `uses the image extractor ${measure.extractor}, which needs a one-channel image (preprocessing.channels is ${manifest.preprocessing.channels})`;
  }
  if (!isTokenMeasure(measure)) return undefined;
  // The ids come from transformers.js' tokenizer, which runs these tasks only (workers/load-model.ts).
  if (!TOKENIZED_TASKS.has(manifest.task)) {
    return `uses the text extractor ${measure.extractor}, which needs a task the runtime tokenizes (${[...TOKENIZED_TASKS].join(' or ')}), not ${manifest.task}`;
  }
  if (!manifest.files.some((file) => file.role === 'tokenizer')) {
    return `uses the text extractor ${measure.extractor}, which needs a file with role "tokenizer"`;
  }
  return undefined;
}

/**
 * Refuses a reference feature the runtime cannot measure on the device (a column the tabular input
 * lacks, an extractor for another kind of input, a categorical feature with a measure) and
 * duplicate feature names, which telemetry keys its counts on. A feature without `measure` is
 * accepted: it is described but not measured. Throws `MANIFEST_INVALID` naming the feature.
 */
export function checkFeatureMeasures(
  manifest: BundleManifest,
  profile: ReferenceProfile,
  prefix: string,
): void {
  const seen = new Set<string>();
  profile.features.forEach((feature, index) => {
    const at = `${prefix}features.${index}`;
    if (seen.has(feature.name)) {
      throw new FerryError(ErrorCode.MANIFEST_INVALID, `${at}.name: duplicate feature ${feature.name}`);
    }
    seen.add(feature.name);
    if (!feature.measure) return;
    const why =
      feature.kind === 'categorical'
        ? 'is categorical; the runtime measures numeric features only'
        : unmeasurable(manifest, feature.measure);
    if (why !== undefined) {
      throw new FerryError(ErrorCode.MANIFEST_INVALID, `${at}.measure: feature ${feature.name} ${why}`, {
        details: { feature: feature.name },
      });
    }
  });
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

/**
 * Parses every `reference` file as a reference profile (shared/schemas/reference-profile.ts):
 * drift detection will compare live histograms against it, so a broken one is refused now
 * rather than discovered when the first telemetry arrives, and so is a feature the runtime cannot
 * measure ({@link checkFeatureMeasures}). Throws naming the file and field.
 */
export async function checkReferenceFiles(
  deps: ServiceDeps,
  manifest: BundleManifest,
  files: readonly PublishedFile[],
): Promise<void> {
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
    checkFeatureMeasures(manifest, parsed.data, `${file.path}: `);
  }
}
