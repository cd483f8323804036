import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readFile, readdir, rename, rm, stat, utimes } from 'node:fs/promises';
import path from 'node:path';
import { ErrorCode, FerryError, Sha256 } from '$shared';
import {
  assertDigest,
  payloadTooLarge,
  type BlobInfo,
  type BlobStore,
  type ByteRange,
  type PutOptions,
  type PutResult,
} from './blob-store.ts';
import { fileStream } from './file-stream.ts';

/** Options for {@link createFsBlobStore}. */
export interface FsBlobStoreOptions {
  /** The data directory; blobs go to `blobs/sha256/ab/<sha256>`, temp files to `tmp/`. */
  dataDir: string;
  /** Called after a blob's temp file is complete and synced, just before it becomes visible. */
  beforeRename?: () => void;
}

async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Where the blob with this digest lives under a data directory: `blobs/sha256/<first two hex digits>/<sha256>`.
 * Throws INVALID_INPUT unless `sha256` is 64 lowercase hex digits.
 */
export function blobPath(dataDir: string, sha256: string): string {
  assertDigest(sha256);
  return path.join(dataDir, 'blobs', 'sha256', sha256.slice(0, 2), sha256);
}

/** A {@link BlobStore} on the local filesystem: temp file, hash while streaming, fsync, rename. */
export function createFsBlobStore(options: FsBlobStoreOptions): BlobStore {
  const tmpDir = path.join(options.dataDir, 'tmp');
  const blobDir = path.join(options.dataDir, 'blobs', 'sha256');
  const pathOf = (sha256: string) => blobPath(options.dataDir, sha256);

  async function writeTemp(body: AsyncIterable<Uint8Array>, maxBytes: number) {
    await mkdir(tmpDir, { recursive: true });
    const file = path.join(tmpDir, `${Date.now()}-${randomBytes(8).toString('hex')}.part`);
    const handle = await open(file, 'wx', 0o644);
    const hash = createHash('sha256');
    let size = 0;
    try {
      for await (const chunk of body) {
        size += chunk.byteLength;
        if (size > maxBytes) {
          throw payloadTooLarge(maxBytes);
        }
        hash.update(chunk);
        await handle.write(chunk);
      }
      await handle.sync();
    } catch (error) {
      await handle.close();
      await rm(file, { force: true });
      throw error;
    }
    await handle.close();
    return { file, sha256: hash.digest('hex'), size };
  }

  return {
    async put(body: AsyncIterable<Uint8Array>, opts: PutOptions): Promise<PutResult> {
      if (opts.expectedSha256 !== undefined) assertDigest(opts.expectedSha256);
      const temp = await writeTemp(body, opts.maxBytes);
      const { sha256, size } = temp;
      if (opts.expectedSha256 !== undefined && opts.expectedSha256 !== sha256) {
        await rm(temp.file, { force: true });
        throw new FerryError(
          ErrorCode.INTEGRITY_MISMATCH,
          `body: sha256 is ${sha256}, not ${opts.expectedSha256} as the URL says`,
          { details: { expected: opts.expectedSha256, actual: sha256 } },
        );
      }
      const target = pathOf(sha256);
      if ((await stat(target).catch(() => null))?.size === size) {
        await rm(temp.file, { force: true });
        // Fresh again: an orphan sweep must not delete bytes a publish is about to reference.
        const now = new Date();
        await utimes(target, now, now);
        return { sha256, size, created: false };
      }
      await mkdir(path.dirname(target), { recursive: true });
      options.beforeRename?.();
      await rename(temp.file, target);
      await fsyncDir(path.dirname(target));
      return { sha256, size, created: true };
    },

    async stat(sha256: string): Promise<BlobInfo | null> {
      const info = await stat(pathOf(sha256)).catch(() => null);
      return info?.isFile() ? { sha256, size: info.size } : null;
    },

    async read(sha256: string, range?: ByteRange): Promise<ReadableStream<Uint8Array>> {
      // Open first so a missing blob is a clean error rather than a stream that fails later.
      const handle = await open(pathOf(sha256), 'r').catch(() => {
        throw new FerryError(ErrorCode.BLOB_NOT_FOUND, `blob ${sha256} is not stored`);
      });
      const end = range ? range.end + 1 : (await handle.stat()).size;
      return fileStream(handle, { start: range?.start ?? 0, end });
    },

    async readAll(sha256: string): Promise<Uint8Array> {
      return readFile(pathOf(sha256)).catch(() => {
        throw new FerryError(ErrorCode.BLOB_NOT_FOUND, `blob ${sha256} is not stored`);
      });
    },

    async delete(sha256: string): Promise<void> {
      await rm(pathOf(sha256), { force: true });
    },

    async *list() {
      for (const prefix of await readdir(blobDir).catch(() => [] as string[])) {
        for (const name of await readdir(path.join(blobDir, prefix)).catch(() => [] as string[])) {
          if (!Sha256.safeParse(name).success) continue;
          const info = await stat(path.join(blobDir, prefix, name)).catch(() => null);
          if (info?.isFile()) yield { sha256: name, size: info.size, storedAt: info.mtime };
        }
      }
    },

    async cleanTemp(): Promise<number> {
      const entries = await readdir(tmpDir).catch(() => [] as string[]);
      await Promise.all(entries.map((name) => rm(path.join(tmpDir, name), { force: true, recursive: true })));
      return entries.length;
    },
  };
}
