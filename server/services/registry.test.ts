import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTempDeps, type TempDeps } from '../testing/temp-deps.ts';
import { tinyManifest, uploadTiny } from '../testing/tiny-bundle.ts';
import { systemActor } from './deps.ts';
import { publishVersion } from './publish.ts';
import { getEnvelope, listModels, resolveLatest } from './registry.ts';
import { setVersionStatus } from './status.ts';

describe('resolveLatest', () => {
  it('picks the highest published semver, ignoring higher deprecated and yanked ones', () => {
    expect(
      resolveLatest([
        { version: '1.2.0', status: 'published' },
        { version: '1.10.0', status: 'published' },
        { version: '2.0.0', status: 'yanked' },
        { version: '1.11.0', status: 'deprecated' },
        { version: '1.12.0-rc.1', status: 'published' },
      ]),
    ).toBe('1.12.0-rc.1');
  });

  it('falls back to the highest deprecated version, and never to a yanked one', () => {
    expect(
      resolveLatest([
        { version: '1.0.0', status: 'deprecated' },
        { version: '1.1.0', status: 'deprecated' },
        { version: '2.0.0', status: 'yanked' },
      ]),
    ).toBe('1.1.0');
    expect(resolveLatest([{ version: '2.0.0', status: 'yanked' }])).toBeNull();
  });
});

describe('registry reads', () => {
  let deps: TempDeps;
  beforeEach(() => {
    deps = createTempDeps();
  });
  afterEach(() => deps.dispose());

  it('lists versions newest first with their total size', async () => {
    const files = await uploadTiny(deps);
    for (const version of ['1.0.0', '1.10.0', '1.2.0']) {
      await publishVersion(deps, { manifest: { ...tinyManifest(), version }, files }, systemActor);
    }
    const [tiny] = listModels(deps.db).models;
    expect(tiny?.versions.map((v) => v.version)).toEqual(['1.10.0', '1.2.0', '1.0.0']);
    expect(tiny?.latest).toBe('1.10.0');
    expect(tiny?.versions[0]?.size).toBe(files.reduce((sum, f) => sum + f.size, 0));
  });

  it('reports an unknown model and an unknown version with distinct codes', async () => {
    const files = await uploadTiny(deps);
    await publishVersion(deps, { manifest: tinyManifest(), files }, systemActor);
    expect(() => getEnvelope(deps.db, 'nope', '1.0.0')).toThrow(
      expect.objectContaining({ code: 'MODEL_NOT_FOUND' }),
    );
    expect(() => getEnvelope(deps.db, 'tiny', '9.9.9')).toThrow(
      expect.objectContaining({ code: 'BUNDLE_NOT_FOUND' }),
    );
  });

  it('says every version is yanked when `latest` has nothing left to point at', async () => {
    const files = await uploadTiny(deps);
    for (const version of ['1.0.0', '1.1.0']) {
      await publishVersion(deps, { manifest: { ...tinyManifest(), version }, files }, systemActor);
      setVersionStatus(deps, { name: 'tiny', version, status: 'yanked' }, systemActor);
    }
    expect(() => getEnvelope(deps.db, 'tiny', 'latest')).toThrow(
      expect.objectContaining({
        code: 'BUNDLE_NOT_FOUND',
        message: 'model "tiny" has no version "latest": every version is yanked',
      }),
    );
    expect(getEnvelope(deps.db, 'tiny', '1.1.0').version, 'a yanked version stays readable by number').toBe(
      '1.1.0',
    );
  });
});
