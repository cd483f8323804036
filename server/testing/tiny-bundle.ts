import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { BundleManifestInput, UploadedFile } from '$shared';
import { systemActor } from '../services/deps.ts';
import { readLocalBundle, storeLocalFiles } from '../services/local-bundle.ts';
import { publishVersion } from '../services/publish.ts';
import { tinyReference } from './telemetry-batch.ts';
import type { TempDeps } from './temp-deps.ts';

/** The committed tiny test bundle (test/fixtures/bundles/tiny, made by test/fixtures/make-fixtures.py). */
export const tinyDir = path.resolve(import.meta.dirname, '..', '..', 'test', 'fixtures', 'bundles', 'tiny');

/** A fresh copy of the tiny bundle's ferry.json, to edit per test. */
export function tinyManifest(): BundleManifestInput {
  return JSON.parse(readFileSync(path.join(tinyDir, 'ferry.json'), 'utf8')) as BundleManifestInput;
}

/** Uploads the files the tiny bundle's ferry.json lists, in its order, into `deps`' blob store. */
export async function uploadTiny(deps: TempDeps): Promise<UploadedFile[]> {
  return storeLocalFiles(await readLocalBundle(tinyDir), deps.blobs, deps.maxFileBytes);
}

/**
 * Publishes tiny@1.0.0 with {@link tinyReference} as its profile into `deps`, so that it takes
 * telemetry batches made by `telemetryBatch`; returns the uploaded files, for further versions.
 */
export async function publishTinyWithReference(deps: TempDeps): Promise<UploadedFile[]> {
  const files = await uploadTiny(deps);
  await publishVersion(
    deps,
    { manifest: { ...tinyManifest(), reference: tinyReference }, files },
    systemActor,
  );
  return files;
}
