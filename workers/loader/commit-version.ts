import type { PublishedManifest } from '$shared/schemas/manifest.ts';
import type { ModelCache } from '../cache/model-cache.ts';
import type { ModelInfo } from '../types.ts';
import type { DeliveredFile } from './delivered-files.ts';
import type { FetchedFiles } from './fetch-files.ts';

/** A verified version as a load commits it. */
export interface VerifiedVersion {
  manifest: PublishedManifest;
  /** The signed envelope as served, verified again whenever the cache serves it. */
  envelope: unknown;
  /** The channel the version was resolved through, if any. */
  channel?: string;
}

/**
 * Commits `version` to the cache with `files` as delivered, not as its manifest lists them (see
 * delivered-files.ts), and their verified bytes: a warm load finds and verifies exactly these, and
 * eviction counts their sizes. Queued behind earlier cache writes as soon as it is called.
 */
export async function commitVersion(
  cache: ModelCache,
  version: VerifiedVersion,
  delivered: { files: readonly DeliveredFile[]; fetched: FetchedFiles },
): Promise<ModelInfo['cache']> {
  const { manifest, envelope, channel } = version;
  const { files, fetched } = delivered;
  const bySha = new Map<string, Uint8Array>();
  for (const file of files) {
    const bytes = fetched.files.get(file.path);
    if (bytes) bySha.set(file.sha256, bytes);
  }
  const result = await cache.commit({
    name: manifest.name,
    version: manifest.version,
    envelope,
    metadataVersion: manifest.metadataVersion,
    files: files.map(({ path, sha256, size }) => ({ path, sha256, size })),
    bytes: bySha,
    ...(channel ? { channel } : {}),
    fromCache: fetched.bytesDownloaded === 0,
  });
  return result.warning === undefined ? { persisted: result.persisted } : result;
}
