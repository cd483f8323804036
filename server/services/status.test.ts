import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { verifyManifest } from '$shared';
import { createTempDeps, type TempDeps } from '../testing/temp-deps.ts';
import { tinyManifest, uploadTiny } from '../testing/tiny-bundle.ts';
import { systemActor } from './deps.ts';
import { publishVersion } from './publish.ts';
import { getEnvelope, listModels } from './registry.ts';
import { setVersionStatus } from './status.ts';

let deps: TempDeps;
beforeEach(async () => {
  deps = createTempDeps();
  const files = await uploadTiny(deps);
  for (const version of ['1.0.0', '1.1.0']) {
    await publishVersion(deps, { manifest: { ...tinyManifest(), version }, files }, systemActor);
  }
});
afterEach(() => deps.dispose());

describe('setVersionStatus', () => {
  it('re-signs the manifest with the new status and a higher metadataVersion', async () => {
    const before = await verifyManifest(JSON.parse(getEnvelope(deps.db, 'tiny', '1.1.0').body), deps.signer);
    const change = setVersionStatus(deps, { name: 'tiny', version: '1.1.0', status: 'yanked' }, systemActor);
    const after = await verifyManifest(JSON.parse(getEnvelope(deps.db, 'tiny', '1.1.0').body), deps.signer);
    expect(after.status).toBe('yanked');
    expect(after.metadataVersion).toBe(change.metadataVersion);
    expect(after.metadataVersion).toBeGreaterThan(before.metadataVersion);
    expect({ ...after, status: 'published', metadataVersion: 0 }).toEqual({ ...before, metadataVersion: 0 });
  });

  it('moves the latest alias off a yanked version', () => {
    setVersionStatus(deps, { name: 'tiny', version: '1.1.0', status: 'yanked' }, systemActor);
    expect(listModels(deps.db).models[0]?.latest).toBe('1.0.0');
    expect(getEnvelope(deps.db, 'tiny', 'latest').version).toBe('1.0.0');
  });

  it('does not re-sign when the status is unchanged', () => {
    const body = getEnvelope(deps.db, 'tiny', '1.0.0').body;
    setVersionStatus(deps, { name: 'tiny', version: '1.0.0', status: 'published' }, systemActor);
    expect(getEnvelope(deps.db, 'tiny', '1.0.0').body).toBe(body);
  });

  it('reports an unknown version as BUNDLE_NOT_FOUND', () => {
    expect(() =>
      setVersionStatus(deps, { name: 'tiny', version: '3.0.0', status: 'yanked' }, systemActor),
    ).toThrow(expect.objectContaining({ code: 'BUNDLE_NOT_FOUND' }));
  });
});
