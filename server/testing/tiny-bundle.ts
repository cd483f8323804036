import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { BundleManifestInput, UploadedFile } from '$shared';
import type { TempDeps } from './temp-deps.ts';

/** The committed tiny test bundle (test/fixtures/bundles/tiny, made by test/fixtures/make-fixtures.py). */
export const tinyDir = path.resolve(import.meta.dirname, '..', '..', 'test', 'fixtures', 'bundles', 'tiny');

/** A fresh copy of the tiny bundle's ferry.json, to edit per test. */
export function tinyManifest(): BundleManifestInput {
  return JSON.parse(readFileSync(path.join(tinyDir, 'ferry.json'), 'utf8')) as BundleManifestInput;
}

/** Uploads the tiny bundle's files into `deps`' blob store. */
export async function uploadTiny(deps: TempDeps): Promise<UploadedFile[]> {
  return [
    await deps.upload(path.join(tinyDir, 'model.onnx'), 'model.onnx'),
    await deps.upload(path.join(tinyDir, 'labels.txt'), 'labels.txt'),
  ];
}
