import { utimesSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PublishedManifest } from '$shared';
import { blobPath } from '../storage/fs-blob-store.ts';
import { createTempDeps, type TempDeps } from '../testing/temp-deps.ts';
import { tinyManifest, uploadTiny } from '../testing/tiny-bundle.ts';
import { systemActor } from './deps.ts';
import { sweepOrphanBlobs } from './orphans.ts';
import { publishVersion } from './publish.ts';
import { getEnvelope } from './registry.ts';

let deps: TempDeps;
beforeEach(() => {
  deps = createTempDeps();
});
afterEach(() => deps.dispose());

function age(sha256: string, hours: number): void {
  const when = new Date(Date.now() - hours * 3600_000);
  utimesSync(blobPath(deps.dataDir, sha256), when, when);
}

describe('sweepOrphanBlobs', () => {
  it('deletes old unreferenced uploads and keeps published blobs, compiled forms and recent uploads', async () => {
    const files = await uploadTiny(deps);
    await publishVersion(deps, { manifest: tinyManifest(), files }, systemActor);
    const envelope = JSON.parse(getEnvelope(deps.db, 'tiny', '1.0.0').body) as { signed: PublishedManifest };
    const compiled = envelope.signed.files[0]?.compiled?.sha256 ?? '';
    age(compiled, 48);
    async function* bytes(text: string) {
      yield new TextEncoder().encode(text);
    }
    const old = await deps.blobs.put(bytes('abandoned upload'), { maxBytes: 100 });
    const recent = await deps.blobs.put(bytes('upload in progress'), { maxBytes: 100 });
    for (const sha of [old.sha256, ...files.map((f) => f.sha256)]) age(sha, 48);

    expect(await sweepOrphanBlobs(deps, 3600_000)).toBe(1);
    expect(await deps.blobs.stat(old.sha256)).toBeNull();
    expect(await deps.blobs.stat(recent.sha256)).not.toBeNull();
    for (const file of files) expect(await deps.blobs.stat(file.sha256)).not.toBeNull();
    expect(await deps.blobs.stat(compiled)).not.toBeNull();
  });
});
