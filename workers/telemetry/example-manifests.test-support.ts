// Test support only (imported by *.test.ts, never by the worker): the example bundles' manifests.
import { readFileSync } from 'node:fs';
import { PublishedManifest } from '$shared/schemas/manifest.ts';

/** An example bundle's ferry.json as the server would publish it (placeholder digests). */
export function publishedExample(name: 'breast-cancer' | 'debian-sections' | 'digits'): PublishedManifest {
  const file = new URL(`../../models/${name}/ferry.json`, import.meta.url);
  const bundle = JSON.parse(readFileSync(file, 'utf8')) as { files: object[] };
  return PublishedManifest.parse({
    ...bundle,
    _type: 'ferry/manifest',
    files: bundle.files.map((f) => ({ ...f, sha256: 'a'.repeat(64), size: 1 })),
    metadataVersion: 3,
    publishedAt: '2026-12-01T00:00:00Z',
    status: 'published',
  });
}
