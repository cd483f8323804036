import { describe, expect, it } from 'vitest';
import { createMemoryStore } from '../cache/memory-store.ts';
import { createModelCache } from '../cache/model-cache.ts';
import type { LoadProgress, VersionChange } from '../types.ts';
import { loadBundle } from './load-bundle.ts';
import { delivery, fakeRegistry, raw } from './loader.test-support.ts';
import { createSharedDownloads } from './shared-downloads.ts';

function setup() {
  const registry = fakeRegistry();
  const store = createMemoryStore();
  const cache = createModelCache(store, { budgetBytes: 1e6 });
  const downloads = createSharedDownloads();
  const progress: LoadProgress[] = [];
  const changes: VersionChange[] = [];
  const load = (request: { version?: string } = {}, onProgress = (p: LoadProgress) => progress.push(p)) =>
    loadBundle({
      request: { name: 'digits', ...request },
      serverUrl: 'http://ferry.test',
      key: { publicKey: raw },
      cache,
      fetch: registry.fetch,
      delivery,
      downloads,
      onProgress,
      onVersionChange: (c) => changes.push(c),
    });
  return { registry, store, cache, downloads, load, progress, changes };
}

const decode = (b: Uint8Array | undefined) => new TextDecoder().decode(b);

describe('loadBundle', () => {
  it('downloads each blob once on a cold load and none from the warm cache', async () => {
    const { registry, load, progress } = setup();
    await registry.publish('1.0.0', { 'model.onnx': 'weights', 'labels.txt': 'a,b', 'copy.txt': 'a,b' });
    const cold = await load();
    expect(registry.blobRequests()).toBe(2);
    expect(cold).toMatchObject({
      fromCache: false,
      bytesDownloaded: 10,
      offline: false,
      cache: { persisted: true },
    });
    expect(progress.at(-1)).toMatchObject({ loaded: 13, total: 13, fraction: 1 });
    const warm = await load();
    expect(registry.blobRequests()).toBe(2);
    expect(warm.fromCache).toBe(true);
    expect(decode(warm.files.get('model.onnx'))).toBe('weights');
  });

  it('loads the cached version when the server is unreachable', async () => {
    const { registry, load } = setup();
    await registry.publish('1.0.0', { 'model.onnx': 'weights' });
    await load();
    registry.setOnline(false);
    const offline = await load();
    expect(offline).toMatchObject({ offline: true, fromCache: true });
    expect(offline.manifest.version).toBe('1.0.0');
  });

  it('fails offline with NETWORK_ERROR when nothing is cached', async () => {
    const { registry, load } = setup();
    registry.setOnline(false);
    await expect(load()).rejects.toMatchObject({ code: 'NETWORK_ERROR' });
  });

  it('keeps the last good version when a new version has an altered blob, caching nothing of it', async () => {
    const { registry, store, load, changes } = setup();
    await registry.publish('1.0.0', { 'model.onnx': 'weights-1' });
    await load();
    const [file] = await registry.publish('1.1.0', { 'model.onnx': 'weights-2' });
    registry.blobs.set(file!.sha256, new TextEncoder().encode('weights-X'));
    const loaded = await load();
    expect(loaded.manifest.version).toBe('1.0.0');
    expect(loaded.fallbackFrom).toMatchObject({ requested: 'latest', code: 'INTEGRITY_MISMATCH' });
    expect(loaded.fallbackFrom?.message).toContain('model.onnx');
    expect(await store.blobs.keys()).not.toContain(file!.sha256);
    expect(changes).toEqual([]);
    await expect(load({ version: '1.1.0' })).rejects.toMatchObject({ code: 'INTEGRITY_MISMATCH' });
  });

  it('reports a channel that moved to a new version', async () => {
    const { registry, load, changes } = setup();
    await registry.publish('1.0.0', { 'model.onnx': 'weights-1' });
    await load();
    await registry.publish('1.1.0', { 'model.onnx': 'weights-2' });
    expect((await load()).manifest.version).toBe('1.1.0');
    expect(changes).toEqual([{ name: 'digits', from: '1.0.0', to: '1.1.0', reason: 'update' }]);
  });

  it('remembers a yank of an exact version it refused, and keeps refusing it offline', async () => {
    const { registry, load, cache } = setup();
    await registry.publish('1.0.0', { 'model.onnx': 'weights' });
    await load({ version: '1.0.0' });
    await registry.setStatus('1.0.0', 'yanked');
    await expect(load({ version: '1.0.0' })).rejects.toMatchObject({ code: 'BUNDLE_NOT_FOUND' });
    const record = await cache.record('digits');
    expect(record?.seenMetadata).toEqual({ '1.0.0': 2 });
    expect(record?.versions[0]).toMatchObject({ version: '1.0.0', metadataVersion: 2 });
    registry.setOnline(false);
    await expect(load({ version: '1.0.0' })).rejects.toMatchObject({
      code: 'BUNDLE_NOT_FOUND',
      message: 'manifest: digits@1.0.0 was yanked by its publisher',
    });
  });

  it('learns the yank behind a channel that resolves to nothing, so it holds offline', async () => {
    const { registry, load } = setup();
    await registry.publish('1.0.0', { 'model.onnx': 'weights' });
    await load();
    await registry.setStatus('1.0.0', 'yanked');
    await expect(load()).rejects.toMatchObject({ code: 'BUNDLE_NOT_FOUND', message: 'manifest: no' });
    expect(registry.requests.filter((p) => p.endsWith('/versions/1.0.0/manifest'))).toHaveLength(1);
    registry.setOnline(false);
    await expect(load()).rejects.toMatchObject({
      code: 'BUNDLE_NOT_FOUND',
      message: expect.stringContaining('yanked by its publisher'),
    });
  });

  it('runs a version again once its publisher restores it', async () => {
    const { registry, load } = setup();
    await registry.publish('1.0.0', { 'model.onnx': 'weights' });
    await load({ version: '1.0.0' });
    await registry.setStatus('1.0.0', 'yanked');
    await expect(load({ version: '1.0.0' })).rejects.toMatchObject({ code: 'BUNDLE_NOT_FOUND' });
    await registry.setStatus('1.0.0', 'published');
    expect((await load({ version: '1.0.0' })).manifest.metadataVersion).toBe(3);
    registry.setOnline(false);
    expect((await load({ version: '1.0.0' })).offline).toBe(true);
  });

  it('shares one request per blob between concurrent loads, with progress for each', async () => {
    const { registry, load, downloads } = setup();
    await registry.publish('1.0.0', { 'model.onnx': 'weights', 'labels.txt': 'a,b' });
    const first: LoadProgress[] = [];
    const second: LoadProgress[] = [];
    const [a, b] = await Promise.all([load({}, (p) => first.push(p)), load({}, (p) => second.push(p))]);
    expect(registry.blobRequests()).toBe(2);
    expect(decode(a.files.get('model.onnx'))).toBe('weights');
    expect(decode(b.files.get('model.onnx'))).toBe('weights');
    for (const progress of [first, second]) expect(progress.at(-1)).toMatchObject({ fraction: 1 });
    expect(downloads.size, 'released once both loads committed').toBe(0);
  });

  it('forgets a failed download so that the next load downloads it again', async () => {
    const { registry, load, downloads } = setup();
    const [file] = await registry.publish('1.0.0', { 'model.onnx': 'weights' });
    registry.blobs.delete(file!.sha256);
    await expect(load()).rejects.toMatchObject({ code: 'BLOB_NOT_FOUND' });
    expect(downloads.size).toBe(0);
    registry.blobs.set(file!.sha256, new TextEncoder().encode('weights'));
    expect(decode((await load()).files.get('model.onnx'))).toBe('weights');
    expect(registry.blobRequests()).toBe(2);
  });
});
