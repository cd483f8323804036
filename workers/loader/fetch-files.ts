import { ErrorCode, FerryError } from '$shared/errors.ts';
import type { PublishedManifest } from '$shared/schemas/manifest.ts';
import type { ModelCache } from '../cache/model-cache.ts';
import { verifyFileBytes } from '../integrity.ts';
import type { LoadProgress } from '../types.ts';
import { downloadVerified } from './download.ts';
import type { DeliveredFile } from './delivered-files.ts';
import { blobUrl } from './manifest.ts';
import { createProgressTracker } from './progress.ts';
import type { DownloadLease } from './shared-downloads.ts';

/** What {@link fetchFiles} needs. */
export interface FetchFilesOptions {
  /** Names the progress events. */
  manifest: Pick<PublishedManifest, 'name' | 'version'>;
  /** What to fetch: the manifest's files as this load delivers them (see delivered-files.ts). */
  files: readonly DeliveredFile[];
  serverUrl: string;
  cache: ModelCache;
  fetch: typeof fetch;
  offline: boolean;
  /** Joins downloads of the same blob that another load of this worker has in flight. */
  downloads: DownloadLease;
  onProgress?: (progress: LoadProgress) => void;
  /** Files downloaded at once. */
  concurrency?: number;
}

/** Verified file bytes by path, and how many of their bytes were downloaded. */
export interface FetchedFiles {
  files: Map<string, Uint8Array>;
  bytesDownloaded: number;
}

/**
 * Every file of `files` as verified bytes: from the cache when its sha256 is there (checked
 * again: a damaged entry is downloaded anew), else downloaded with progress. A blob two paths
 * share is fetched once, and so is one that another load is downloading (`downloads`). Offline, a file missing from the cache is a `NETWORK_ERROR` naming it.
 */
export async function fetchFiles(options: FetchFilesOptions): Promise<FetchedFiles> {
  const { manifest, cache } = options;
  const tracker = createProgressTracker({
    name: manifest.name,
    version: manifest.version,
    files: options.files,
    emit: (p) => options.onProgress?.(p),
  });
  const bySha = new Map<string, Promise<{ bytes: Uint8Array; downloaded: boolean }>>();
  const queue = [...options.files];
  const files = new Map<string, Uint8Array>();
  let bytesDownloaded = 0;

  /** The blob of `file` from the cache when it is there and intact, else undefined. */
  async function fromCache(file: DeliveredFile): Promise<Uint8Array | undefined> {
    const cached = await cache.blob(file.sha256);
    if (!cached) return undefined;
    return verifyFileBytes(cached, file).then(
      () => cached,
      () => undefined, // a damaged cache entry is a miss: obtain downloads it anew
    );
  }

  // Every cached blob is read and checked at once: only downloads wait for a free slot. On a
  // warm load all of them are cached, and reading them `concurrency` at a time cost one more
  // IndexedDB round and hash after another (4 files, 3 at a time: two rounds).
  const cachedBlobs = new Map<string, Promise<Uint8Array | undefined>>();
  for (const file of options.files) {
    if (cachedBlobs.has(file.sha256)) continue;
    const reading = fromCache(file);
    reading.catch(() => undefined); // rejects where obtain awaits it
    cachedBlobs.set(file.sha256, reading);
  }

  async function obtain(file: DeliveredFile): Promise<{ bytes: Uint8Array; downloaded: boolean }> {
    const cached = await cachedBlobs.get(file.sha256);
    if (cached) return { bytes: cached, downloaded: false };
    if (options.offline) {
      throw new FerryError(
        ErrorCode.NETWORK_ERROR,
        `${file.path}: not cached and the server is unreachable`,
        {
          details: { path: file.path },
        },
      );
    }
    // Keyed by sha256 and size: a joined download was verified against exactly these two.
    const { bytes } = await options.downloads.obtain(
      `${file.sha256}:${file.size}`,
      (onBytes) =>
        downloadVerified({
          url: blobUrl(options.serverUrl, file.sha256),
          file,
          fetch: options.fetch,
          partials: cache.partials,
          onBytes,
        }),
      (n) => tracker.update(file.path, n),
    );
    // A download joined from another load counts here too: this load waited for those bytes.
    return { bytes, downloaded: true };
  }

  async function worker(): Promise<void> {
    for (let file = queue.shift(); file; file = queue.shift()) {
      const shared = bySha.get(file.sha256);
      const pending = shared ?? obtain(file);
      if (!shared) bySha.set(file.sha256, pending);
      const result = await pending;
      if (result.downloaded && !shared) bytesDownloaded += file.size;
      tracker.update(file.path, file.size, !result.downloaded || shared !== undefined);
      files.set(file.path, result.bytes);
    }
  }

  await Promise.all(Array.from({ length: options.concurrency ?? 3 }, worker));
  return { files, bytesDownloaded };
}
