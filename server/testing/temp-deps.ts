import { createReadStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { UploadedFile } from '$shared';
import { openDatabase } from '../db/open.ts';
import { createInProcessBus } from '../events/in-process-bus.ts';
import { createFailpoints } from '../failpoints.ts';
import { createInProcessModelWork } from '../model-work/model-work.ts';
import type { ServiceDeps } from '../services/deps.ts';
import { ensureKeyPair } from '../signing/key-pair.ts';
import { createSigner } from '../signing/signer.ts';
import { createFsBlobStore } from '../storage/fs-blob-store.ts';
import { createSqliteTelemetryStore } from '../telemetry/sqlite-store.ts';

/** Real services over a fresh temp data dir (SQLite file, blob store, key pair), for unit tests. */
export interface TempDeps extends ServiceDeps {
  dataDir: string;
  /** Streams a file into the blob store as an upload would. */
  upload(file: string, bundlePath: string): Promise<UploadedFile>;
  /** Closes the database and deletes the data dir. */
  dispose(): void;
}

/** Creates {@link TempDeps}; the committed migrations are applied as on a real start. */
export function createTempDeps(
  options: { maxFileBytes?: number; controlLifetimeMs?: number; compileModels?: boolean } = {},
): TempDeps {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'ferry-unit-'));
  const database = openDatabase(
    path.join(dataDir, 'ferry.db'),
    path.join(import.meta.dirname, '..', 'db', 'migrations'),
  );
  const blobs = createFsBlobStore({ dataDir });
  const maxFileBytes = options.maxFileBytes ?? 64 * 1024 * 1024;
  return {
    dataDir,
    db: database.db,
    blobs,
    signer: createSigner(ensureKeyPair(path.join(dataDir, 'keys'))),
    failpoints: createFailpoints([]),
    maxFileBytes,
    telemetry: createSqliteTelemetryStore(database.db),
    controlLifetimeMs: options.controlLifetimeMs ?? 7 * 24 * 3600_000,
    events: createInProcessBus(),
    compileModels: options.compileModels ?? true,
    // Unit tests publish on their own thread; the model-work thread has tests of its own.
    modelWork: createInProcessModelWork(),
    async upload(file, bundlePath) {
      const { sha256, size } = await blobs.put(createReadStream(file), { maxBytes: maxFileBytes });
      return { path: bundlePath, sha256, size };
    },
    dispose() {
      database.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
