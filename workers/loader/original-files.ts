import type { PublishedManifest } from '$shared/schemas/manifest.ts';
import type { ModelInfo } from '../types.ts';
import { manifestFiles, type DeliveredFile } from './delivered-files.ts';
import { fetchFiles, type FetchedFiles, type FetchFilesOptions } from './fetch-files.ts';
import { createSharedDownloads, type SharedDownloads } from './shared-downloads.ts';

/** A version's original files, in place of the compiled forms a load first delivered. */
export interface OriginalFiles extends FetchedFiles {
  /** Where the version's files are kept now: its cache record lists these files. */
  cache: ModelInfo['cache'];
}

/**
 * The original files of a version that a load delivered compiled (see delivered-files.ts): the
 * fallback for a compiled form onnxruntime-web will not load, so that a device never fails where
 * the original would have worked. Fetched from the cache first (verified like any file, over the
 * network even when the load itself read the cache alone), without progress events (the load's
 * progress already ended), then committed as the version's files, so the version's next load
 * finds them. That next load still tries the compiled forms first, downloading them again:
 * publishing checked they load, so this is a safety net, not a path to optimise.
 */
export async function originalFiles(
  options: Omit<FetchFilesOptions, 'manifest' | 'files' | 'downloads' | 'offline' | 'onProgress'> & {
    manifest: PublishedManifest;
    downloads?: SharedDownloads;
  },
  commit: (files: readonly DeliveredFile[], fetched: FetchedFiles) => Promise<ModelInfo['cache']>,
): Promise<OriginalFiles> {
  const files = manifestFiles(options.manifest);
  const lease = (options.downloads ?? createSharedDownloads()).lease();
  let fetched: FetchedFiles;
  try {
    fetched = await fetchFiles({ ...options, files, offline: false, downloads: lease });
  } finally {
    lease.release();
  }
  return { ...fetched, cache: await commit(files, fetched) };
}
