import { describe, expect, it } from 'vitest';
import { loadBundle, loadFromCache } from './load-bundle.ts';
import { loaderSetup, sha } from './loader.test-support.ts';

const encode = (text: string) => new TextEncoder().encode(text);
const decode = (b: Uint8Array | undefined) => new TextDecoder().decode(b);
const blobOf = (text: string) => `/blobs/${sha(encode(text))}`;

const files = { 'model.onnx': 'weights', 'labels.txt': 'a,b' };
const compiled = { 'model.onnx': 'weights, compiled' };

async function published() {
  const setup = loaderSetup();
  await setup.registry.publish('1.0.0', files, compiled);
  const original = { ...setup.options({ version: '1.0.0' }) };
  original.delivery = { ...original.delivery, compiledModels: false };
  return { ...setup, original };
}

describe('a version with compiled forms', () => {
  it('is loaded, verified and cached with the compiled form in place of its ONNX file, and read back warm with no request', async () => {
    const { registry, options, cache } = await published();
    const cold = await loadBundle(options({ version: '1.0.0' }));
    expect(decode(cold.files.get('model.onnx'))).toBe('weights, compiled');
    expect(decode(cold.files.get('labels.txt'))).toBe('a,b');
    expect(cold.compiled).toEqual(new Set(['model.onnx']));
    expect(cold.bytesDownloaded).toBe('weights, compiled'.length + 'a,b'.length);
    const paths = registry.blobPaths().map((p) => p.slice(p.indexOf('/blobs/')));
    expect(paths.sort()).toEqual([blobOf('weights, compiled'), blobOf('a,b')].sort());
    // The record lists what was delivered: a warm load verifies it, eviction counts its size.
    const record = await cache.record('digits');
    expect(record?.versions[0]?.files).toEqual([
      { path: 'model.onnx', sha256: sha(encode('weights, compiled')), size: 'weights, compiled'.length },
      { path: 'labels.txt', sha256: sha(encode('a,b')), size: 3 },
    ]);
    expect(await cache.usage()).toBe('weights, compiled'.length + 3);

    const asked = registry.requests.length;
    const warm = await loadFromCache(options({ version: '1.0.0' }));
    expect(registry.requests.length).toBe(asked);
    expect(warm).toMatchObject({ fromCache: true, bytesDownloaded: 0 });
    expect(warm?.compiled).toEqual(new Set(['model.onnx']));
    expect(decode(warm?.files.get('model.onnx'))).toBe('weights, compiled');
  });

  it('is loaded as published with compiledModels: false, and the cache then cannot serve its compiled form warm', async () => {
    const { registry, options, original } = await published();
    const bundle = await loadBundle(original);
    expect(decode(bundle.files.get('model.onnx'))).toBe('weights');
    expect(bundle.compiled.size).toBe(0);
    expect(bundle.original).toBeUndefined();
    expect(registry.blobPaths().some((p) => p.endsWith(blobOf('weights, compiled')))).toBe(false);
    expect(await loadFromCache(original)).toBeDefined();
    expect(await loadFromCache(options({ version: '1.0.0' }))).toBeUndefined();
  });

  it('refuses a compiled form altered in transit with INTEGRITY_MISMATCH naming its path', async () => {
    const { registry, options } = await published();
    registry.blobs.set(sha(encode('weights, compiled')), encode('weights, compilex'));
    await expect(loadBundle(options({ version: '1.0.0' }))).rejects.toMatchObject({
      code: 'INTEGRITY_MISMATCH',
      details: { path: 'model.onnx' },
    });
  });

  it('gives its original files on demand, verified and committed as the version files, after a cold or a warm load', async () => {
    const { registry, options, original, cache } = await published();
    const cold = await loadBundle(options({ version: '1.0.0' }));
    const warm = await loadFromCache(options({ version: '1.0.0' }));
    const asked = registry.blobPaths().length;
    // A warm load read the cache alone; its fallback still downloads what the cache lacks.
    const fromWarm = await warm!.original!();
    expect(decode(fromWarm.files.get('model.onnx'))).toBe('weights');
    expect(fromWarm).toMatchObject({ bytesDownloaded: 'weights'.length, cache: { persisted: true } });
    expect(
      registry
        .blobPaths()
        .slice(asked)
        .map((p) => p.slice(p.indexOf('/blobs/'))),
    ).toEqual([blobOf('weights')]);
    const record = await cache.record('digits');
    expect(record?.versions[0]?.files.map((f) => f.sha256)).toEqual([
      sha(encode('weights')),
      sha(encode('a,b')),
    ]);
    // Cached now: the cold load's fallback finds it, and so does a load of the originals.
    await expect(cold.original!()).resolves.toMatchObject({ bytesDownloaded: 0 });
    await expect(loadFromCache(original)).resolves.toMatchObject({ fromCache: true });
  });

  it('is refused again with a tampered original: the fallback verifies like any load', async () => {
    const { registry, options } = await published();
    const cold = await loadBundle(options({ version: '1.0.0' }));
    registry.blobs.set(sha(encode('weights')), encode('weightz'));
    await expect(cold.original!()).rejects.toMatchObject({
      code: 'INTEGRITY_MISMATCH',
      details: { path: 'model.onnx' },
    });
  });
});
