import { ONNXRUNTIME_VERSION, type CompiledForm, type PublishedFile } from '$shared';
import { and, eq } from 'drizzle-orm';
import { blobs, compiledForms } from '../db/schema.ts';
import type { ServiceDeps } from '../services/deps.ts';
import type { OnnxFindings } from '../model-work/examine-onnx.ts';

/** What {@link addCompiledForms} needs of the server. */
export type CompileDeps = Pick<ServiceDeps, 'db' | 'blobs' | 'maxFileBytes' | 'compileModels'>;

async function* once(bytes: Uint8Array): AsyncIterable<Uint8Array> {
  yield bytes;
}

const formOf = (stored: { sha256: string; size: number }): CompiledForm => ({
  format: 'ort',
  optimization: 'extended',
  onnxruntime: ONNXRUNTIME_VERSION,
  sha256: stored.sha256,
  size: stored.size,
});

/** The compiled form an earlier publish made of the same file, when its blob is still stored. */
export async function madeBefore(deps: CompileDeps, file: PublishedFile): Promise<CompiledForm | undefined> {
  const known = deps.db
    .select({ sha256: compiledForms.sha256, size: compiledForms.size })
    .from(compiledForms)
    .where(
      and(eq(compiledForms.sourceSha256, file.sha256), eq(compiledForms.onnxruntime, ONNXRUNTIME_VERSION)),
    )
    .get();
  if (!known || (await deps.blobs.stat(known.sha256))?.size !== known.size) return undefined;
  return formOf(known);
}

/**
 * The compiled form of one ONNX file: the one made before for the same bytes (so devices that
 * cached it keep it across versions), else the one the model-work thread made (`findings`), stored
 * as a blob; undefined (with the thread's reason logged) when it cannot stand in for the file.
 */
async function compiledFormOf(
  deps: CompileDeps,
  file: PublishedFile,
  findings: OnnxFindings | undefined,
): Promise<CompiledForm | undefined> {
  const before = await madeBefore(deps, file);
  if (before) return before;
  if (findings?.notCompiled !== undefined) console.warn(findings.notCompiled);
  if (!findings?.compiled) return undefined;
  // An optimised graph can be a little larger than the file (kernels' prepacked constants).
  return formOf(await deps.blobs.put(once(findings.compiled), { maxBytes: 2 * deps.maxFileBytes }));
}

/**
 * `files` with a compiled form (shared/schemas/manifest.ts, CompiledForm) added to each ONNX file
 * that onnxruntime could optimise and whose compiled form gives the file's outputs on fixed test
 * inputs: made on the model-work thread while the file was checked (`found`, by path; see
 * examineOnnxFiles in server/model-work/examine-files.ts). Its bytes are put in the blob store; the
 * caller's publish transaction makes them servable with the version and records them for later
 * versions ({@link recordCompiledForms}). A file that cannot be compiled is published as it is,
 * with a warning: a compiled form only makes loading faster, it is never required.
 */
export async function addCompiledForms(
  deps: CompileDeps,
  files: readonly PublishedFile[],
  found: ReadonlyMap<string, OnnxFindings>,
): Promise<PublishedFile[]> {
  const result: PublishedFile[] = [];
  for (const file of files) {
    const compiled =
      deps.compileModels && file.role === 'onnx'
        ? await compiledFormOf(deps, file, found.get(file.path))
        : undefined;
    result.push(compiled ? { ...file, compiled } : file);
  }
  return result;
}

/**
 * Makes the compiled forms of `files` servable (a `blobs` row, which also keeps the orphan sweep
 * off them) and remembers which file each was made from, inside the publish transaction `tx`.
 */
export function recordCompiledForms(tx: ServiceDeps['db'], files: readonly PublishedFile[]): void {
  for (const { sha256: source, compiled } of files) {
    if (!compiled) continue;
    tx.insert(blobs).values({ sha256: compiled.sha256, size: compiled.size }).onConflictDoNothing().run();
    tx.insert(compiledForms)
      .values({
        sourceSha256: source,
        onnxruntime: compiled.onnxruntime,
        sha256: compiled.sha256,
        size: compiled.size,
      })
      .onConflictDoNothing()
      .run();
  }
}
