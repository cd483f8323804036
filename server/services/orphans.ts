import { publishedBlobSize } from './registry.ts';
import type { ServiceDeps } from './deps.ts';

/**
 * Deletes stored blobs that no published version references and that are older than
 * `graceMs` (uploads whose publish never came, or was refused or interrupted). Run at start,
 * before requests are served, so no publish can be referencing them concurrently. Returns the
 * number of blobs deleted.
 */
export async function sweepOrphanBlobs(deps: ServiceDeps, graceMs: number): Promise<number> {
  const cutoff = Date.now() - graceMs;
  let deleted = 0;
  for await (const blob of deps.blobs.list()) {
    if (blob.storedAt.getTime() > cutoff) continue;
    if (publishedBlobSize(deps.db, blob.sha256) !== null) continue;
    await deps.blobs.delete(blob.sha256);
    deleted++;
  }
  return deleted;
}
