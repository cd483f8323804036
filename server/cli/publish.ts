import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { ErrorCode, isFerryError, type BundleManifest, type PublishResult, type UploadedFile } from '$shared';
import { parseBundleManifest } from '../services/publish-validate.ts';
import { callServer, uploadFile, type Connection } from './client.ts';
import { CliError, ExitCode } from './exit-codes.ts';

async function digest(file: string): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(file)) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), size };
}

/**
 * Reads and checks `<dir>/ferry.json` against the manifest schema. Messages name paths relative
 * to the bundle folder (`ferry.json: signature.inputs…`), as the server's do.
 */
async function readManifest(dir: string): Promise<BundleManifest> {
  const invalid = (message: string) =>
    new CliError(`ferry.json: ${message}`, ExitCode.INVALID, {
      code: ErrorCode.MANIFEST_INVALID,
      details: { file: 'ferry.json' },
    });
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path.join(dir, 'ferry.json'), 'utf8'));
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    throw invalid(missing ? `not found in ${dir} (ferry init writes one)` : (error as Error).message);
  }
  try {
    return parseBundleManifest(raw, '');
  } catch (error) {
    if (isFerryError(error)) throw invalid(error.message);
    throw error;
  }
}

/**
 * Publishes the bundle folder `dir`: validates its ferry.json locally, uploads each file the
 * server does not have yet, then calls `versions.publish`. Throws {@link CliError}.
 */
export async function publishBundle(
  dir: string,
  connection: Connection,
  log: (line: string) => void,
): Promise<PublishResult> {
  const manifest = await readManifest(dir);
  const files: UploadedFile[] = [];
  for (const file of manifest.files) {
    const full = path.join(dir, file.path);
    if (!(await stat(full).catch(() => null))?.isFile()) {
      throw new CliError(`${file.path}: listed in ferry.json but not found`, ExitCode.INVALID, {
        code: ErrorCode.MANIFEST_INVALID,
        details: { file: file.path },
      });
    }
    const { sha256, size } = await digest(full);
    const sent = await uploadFile(connection, { path: full, sha256, size });
    log(
      `${sent ? 'uploaded' : 'already on server'}  ${file.path}  ${size} bytes  sha256:${sha256.slice(0, 12)}…`,
    );
    files.push({ path: file.path, sha256, size });
  }
  return callServer(connection, (client) => client.versions.publish.mutate({ manifest, files }));
}
