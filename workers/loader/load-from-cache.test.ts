import { describe, expect, it } from 'vitest';
import { fakeRegistry, loaderSetup } from './loader.test-support.ts';
import { loadBundle, loadFromCache, revalidateManifest } from './load-bundle.ts';
import { prefetchManifest } from './prefetch.ts';

const decode = (b: Uint8Array | undefined) => new TextDecoder().decode(b);

describe('loadFromCache', () => {
  it('serves a cached version with no request at all, verified again', async () => {
    const { registry, options, cache } = loaderSetup();
    await registry.publish('1.0.0', { 'model.onnx': 'weights', 'labels.txt': 'a,b' });
    await loadBundle(options({}));
    const asked = registry.requests.length;
    const warm = await loadFromCache(options({ version: '1.0.0', channel: 'latest' }));
    expect(registry.requests.length).toBe(asked);
    expect(warm).toMatchObject({ fromCache: true, bytesDownloaded: 0, offline: false });
    expect(warm?.manifest.version).toBe('1.0.0');
    expect(decode(warm?.files.get('model.onnx'))).toBe('weights');
    expect((await cache.record('digits'))?.channels).toEqual({ latest: '1.0.0' });
  });

  it('declines (undefined) what the cache cannot serve alone: not cached, a damaged or missing blob, a yank seen', async () => {
    const { registry, options, store } = loaderSetup();
    const [onnx] = await registry.publish('1.0.0', { 'model.onnx': 'weights' });
    expect(await loadFromCache(options({ version: '1.0.0' }))).toBeUndefined(); // never loaded
    await loadBundle(options({ version: '1.0.0' }));
    await store.blobs.put(onnx!.sha256, new TextEncoder().encode('weightz'));
    expect(await loadFromCache(options({ version: '1.0.0' }))).toBeUndefined();
    await store.blobs.delete(onnx!.sha256);
    expect(await loadFromCache(options({ version: '1.0.0' }))).toBeUndefined();
    await loadBundle(options({ version: '1.0.0' })); // downloads it again
    expect(await loadFromCache(options({ version: '1.0.0' }))).toBeDefined();
    await registry.setStatus('1.0.0', 'yanked');
    await expect(revalidateManifest(options({ version: '1.0.0' }))).resolves.toMatchObject({
      status: 'yanked',
    });
    expect(await loadFromCache(options({ version: '1.0.0' }))).toBeUndefined();
    expect(registry.blobRequests()).toBe(2);
  });

  it('does not serve a cached envelope older than metadata seen for that version', async () => {
    const { registry, options, cache, store } = loaderSetup();
    await registry.publish('1.0.0', { 'model.onnx': 'weights' });
    await loadBundle(options({ version: '1.0.0' }));
    const record = (await cache.record('digits'))!;
    // Newer metadata for 1.0.0 was seen (another tab) while this copy of its envelope is older.
    await store.records.put('digits', { ...record, seenMetadata: { '1.0.0': 99 } });
    expect(await loadFromCache(options({ version: '1.0.0' }))).toBeUndefined();
  });

  it("reads the model record once, the caller's read when it passes one, and awaits its commit in `cache`", async () => {
    const { registry, options, cache, store } = loaderSetup();
    await registry.publish('1.0.0', { 'model.onnx': 'weights' });
    await loadBundle(options({ version: '1.0.0' }));
    const record = cache.record('digits');
    let reads = 0;
    const match = store.records.match.bind(store.records);
    store.records.match = async (key) => {
      reads++;
      return match(key);
    };
    const warm = await loadFromCache({ ...options({ version: '1.0.0' }), record });
    await expect(warm?.cache).resolves.toEqual({ persisted: true });
    expect(reads, 'only the commit reads the record (behind earlier cache writes)').toBe(1);
  });

  it('reads every cached file at once, not as many at a time as downloads run', async () => {
    const { registry, options, cache } = loaderSetup();
    const files = { 'model.onnx': 'weights', a: 'a', b: 'b', c: 'c', d: 'd' };
    await registry.publish('1.0.0', files);
    await loadBundle(options({ version: '1.0.0' }));
    let reading = 0;
    let most = 0;
    const counted = {
      ...cache,
      async blob(sha256: string) {
        most = Math.max(most, ++reading);
        try {
          return await cache.blob(sha256);
        } finally {
          reading--;
        }
      },
    };
    const warm = await loadFromCache({ ...options({ version: '1.0.0' }), cache: counted });
    expect(warm?.files.size).toBe(5);
    expect(most).toBe(5);
  });
});

describe('prefetchManifest', () => {
  it('fetches once, names the version it claims, and the load uses it instead of asking again', async () => {
    const registry = fakeRegistry();
    await registry.publish('1.0.0', { 'model.onnx': 'weights' });
    const { options } = loaderSetup(registry);
    const prefetched = prefetchManifest(registry.fetch, 'http://ferry.test', { request: { name: 'digits' } });
    expect(await prefetched.version).toBe('1.0.0');
    const loaded = await loadBundle({ ...options({}), envelope: prefetched.envelope });
    expect(loaded.manifest.version).toBe('1.0.0');
    expect(registry.requests.filter((p) => p.endsWith('/manifest'))).toHaveLength(1);
  });

  it('resolves its version to undefined when the server cannot be reached', async () => {
    const registry = fakeRegistry();
    registry.setOnline(false);
    const prefetched = prefetchManifest(registry.fetch, 'http://ferry.test', { request: { name: 'digits' } });
    expect(await prefetched.version).toBeUndefined();
    await expect(prefetched.envelope).rejects.toMatchObject({ code: 'NETWORK_ERROR' });
  });
});
