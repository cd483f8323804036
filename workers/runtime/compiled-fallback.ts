import { ErrorCode, isFerryError } from '$shared/errors.ts';
import type { LoadedBundle } from '../loader/load-bundle.ts';
import type { OriginalFiles } from '../loader/original-files.ts';

/** What an engine is built from. */
export type EngineBundle = Pick<LoadedBundle, 'manifest' | 'files' | 'compiled'>;

/**
 * Builds `bundle`'s engine with `create`. When the bundle was delivered compiled and no session
 * can be created from its compiled forms (ONNX_INVALID), builds it from the original files instead
 * (`bundle.original`: fetched, verified and cached), so a device never fails where the original
 * would have worked; `original` then says what that fetched. Any other failure is thrown, and so
 * is one of the original files or of the engine built from them.
 */
export async function createWithFallback<E>(
  bundle: EngineBundle & Pick<LoadedBundle, 'original'>,
  create: (bundle: EngineBundle) => Promise<E>,
): Promise<{ engine: E; original?: OriginalFiles }> {
  try {
    return { engine: await create(bundle) };
  } catch (error) {
    if (!bundle.original || !isFerryError(error) || error.code !== ErrorCode.ONNX_INVALID) throw error;
    const original = await bundle.original();
    const engine = await create({ manifest: bundle.manifest, files: original.files, compiled: new Set() });
    return { engine, original };
  }
}
