import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { PublishResult, UploadedFile } from '$shared';
import { readLocalBundle } from '../services/local-bundle.ts';
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
 * Publishes the bundle folder `dir`: validates its ferry.json locally, uploads each file the
 * server does not have yet, then calls `versions.publish`. Throws {@link CliError}.
 */
export async function publishBundle(
  dir: string,
  connection: Connection,
  log: (line: string) => void,
): Promise<PublishResult> {
  const bundle = await readLocalBundle(dir).catch((error: unknown) => {
    throw new CliError((error as Error).message, ExitCode.INVALID);
  });
  const files: UploadedFile[] = [];
  for (const file of bundle.manifest.files) {
    const full = path.join(dir, file.path);
    if (!(await stat(full).catch(() => null))?.isFile()) {
      throw new CliError(`${full}: listed in ferry.json but not found`, ExitCode.INVALID);
    }
    const { sha256, size } = await digest(full);
    const sent = await uploadFile(connection, { path: full, sha256, size });
    log(
      `${sent ? 'uploaded' : 'already on server'}  ${file.path}  ${size} bytes  sha256:${sha256.slice(0, 12)}…`,
    );
    files.push({ path: file.path, sha256, size });
  }
  return callServer(connection, (client) =>
    client.versions.publish.mutate({ manifest: bundle.manifest, files }),
  );
}
