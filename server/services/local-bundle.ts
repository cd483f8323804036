import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ErrorCode, FerryError, type BundleManifest, type UploadedFile } from '$shared';
import type { BlobStore } from '../storage/blob-store.ts';
import { parseBundleManifest } from './publish-validate.ts';

/** A bundle folder read from disk and the manifest its `ferry.json` parses to. */
export interface LocalBundle {
  dir: string;
  manifest: BundleManifest;
}

/**
 * Reads and validates `<dir>/ferry.json`. Throws `MANIFEST_INVALID` naming the file and field
 * (e.g. `models/digits/ferry.json: signature.inputs.0.type: …`).
 */
export async function readLocalBundle(dir: string): Promise<LocalBundle> {
  const file = path.join(dir, 'ferry.json');
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new FerryError(ErrorCode.MANIFEST_INVALID, `${file}: ${(error as Error).message}`);
  }
  return { dir, manifest: parseBundleManifest(raw, `${file}: `) };
}

/** Streams every file of a local bundle into the blob store and returns their digests. */
export async function storeLocalFiles(
  bundle: LocalBundle,
  store: BlobStore,
  maxBytes: number,
): Promise<UploadedFile[]> {
  const uploaded: UploadedFile[] = [];
  for (const file of bundle.manifest.files) {
    const stream = createReadStream(path.join(bundle.dir, file.path));
    const { sha256, size } = await store.put(stream, { maxBytes }).catch((error: unknown) => {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new FerryError(ErrorCode.INVALID_INPUT, `${path.join(bundle.dir, file.path)}: file not found`);
      }
      throw error;
    });
    uploaded.push({ path: file.path, sha256, size });
  }
  return uploaded;
}
