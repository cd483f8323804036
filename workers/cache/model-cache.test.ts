import { describe, expect, it } from 'vitest';
import { createMemoryStore } from './memory-store.ts';
import { createModelCache, type CommitRequest } from './model-cache.ts';

function request(name: string, version: string, blobs: Record<string, number>): CommitRequest {
  const bytes = new Map(Object.entries(blobs).map(([sha, size]) => [sha, new Uint8Array(size).fill(1)]));
  return {
    name,
    version,
    envelope: { signed: { name, version } },
    metadataVersion: 1,
    files: Object.entries(blobs).map(([sha256, size]) => ({ path: `${sha256}.bin`, sha256, size })),
    bytes,
  };
}

function setup(budgetBytes: number, quotaBytes?: number) {
  const store = createMemoryStore({ quotaBytes });
  let clock = 0;
  const cache = createModelCache(store, { budgetBytes, now: () => ++clock });
  return { store, cache };
}

describe('createModelCache', () => {
  it('keeps the current and the previous version of a model, and deletes the one before', async () => {
    const { store, cache } = setup(10_000);
    await cache.commit({ ...request('digits', '1.0.0', { a: 10, shared: 5 }), channel: 'latest' });
    await cache.commit({ ...request('digits', '1.1.0', { b: 10, shared: 5 }), channel: 'latest' });
    await cache.commit({ ...request('digits', '1.2.0', { c: 10, shared: 5 }), channel: 'latest' });
    const record = await cache.record('digits');
    expect(record?.versions.map((v) => v.version)).toEqual(['1.2.0', '1.1.0']);
    expect(record?.channels).toEqual({ latest: '1.2.0' });
    expect((await store.blobs.keys()).sort()).toEqual(['b', 'c', 'shared']);
    expect(await cache.usage()).toBe(25);
  });

  it('evicts the least recently used version of any model beyond the byte budget', async () => {
    const { store, cache } = setup(250);
    await cache.commit(request('digits', '1.0.0', { d: 100 }));
    await cache.commit(request('cancer', '1.0.0', { c: 100 }));
    await cache.commit(request('digits', '1.0.0', { d: 100 }));
    await cache.commit(request('ocr', '1.0.0', { o: 100 }));
    expect((await store.blobs.keys()).sort()).toEqual(['d', 'o']);
    expect((await cache.record('cancer'))?.versions).toEqual([]);
  });

  it('a commit of the version it already holds first only moves its last use (no blob listing, no eviction pass)', async () => {
    const { store, cache } = setup(10_000);
    const digits = { ...request('digits', '1.0.0', { a: 10 }), channel: 'latest' };
    await cache.commit(digits);
    const before = await cache.record('digits');
    const listings: string[] = [];
    const keys = {
      blobs: store.blobs.keys.bind(store.blobs),
      records: store.records.keys.bind(store.records),
    };
    store.blobs.keys = () => (listings.push('blobs'), keys.blobs());
    store.records.keys = () => (listings.push('records'), keys.records());
    await expect(cache.commit({ ...digits, fromCache: true })).resolves.toEqual({ persisted: true });
    expect(listings).toEqual([]);
    const after = await cache.record('digits');
    expect(after?.versions[0]?.lastUsedAt).toBeGreaterThan(before?.versions[0]?.lastUsedAt ?? Infinity);
    expect({ ...after, versions: [] }).toEqual({ ...before, versions: [] });
    // Downloaded bytes, or newer metadata of that version, are not "already held": the full way.
    await cache.commit(digits);
    expect(listings).toContain('blobs');
    listings.length = 0;
    await cache.commit({ ...digits, metadataVersion: 2, fromCache: true });
    expect(listings).toContain('blobs');
    expect((await cache.record('digits'))?.versions[0]?.metadataVersion).toBe(2);
  });

  it('remembers the highest metadata version accepted for each version', async () => {
    const { cache } = setup(1000);
    await cache.commit({ ...request('digits', '1.0.0', { a: 1 }), metadataVersion: 7 });
    await cache.commit({ ...request('digits', '1.0.0', { a: 1 }), metadataVersion: 9 });
    expect((await cache.record('digits'))?.seenMetadata).toEqual({ '1.0.0': 9 });
  });

  it('on QuotaExceededError evicts other models and retries', async () => {
    const { store, cache } = setup(10_000, 250);
    await cache.commit(request('cancer', '1.0.0', { c: 100 }));
    await cache.commit(request('ocr', '1.0.0', { o: 100 }));
    const result = await cache.commit(request('digits', '1.0.0', { d: 200 }));
    expect(result).toEqual({ persisted: true });
    expect(await store.blobs.keys()).toEqual(['d']);
  });

  it('on QuotaExceededError keeps the blobs this commit already stored', async () => {
    const { store, cache } = setup(10_000, 250);
    await cache.commit(request('cancer', '1.0.0', { c: 100 }));
    const result = await cache.commit(request('digits', '1.0.0', { a: 50, b: 150 }));
    expect(result).toEqual({ persisted: true });
    expect((await store.blobs.keys()).sort()).toEqual(['a', 'b']);
    const files = (await cache.record('digits'))?.versions[0]?.files ?? [];
    for (const f of files) expect((await cache.blob(f.sha256))?.byteLength).toBe(f.size);
  });

  it('runs from memory and says why when even an empty cache cannot hold the model', async () => {
    const { store, cache } = setup(10_000, 50);
    const result = await cache.commit(request('digits', '1.0.0', { small: 20, big: 100 }));
    expect(result.persisted).toBe(false);
    expect(result.warning).toMatch(/big\.bin: storage quota exceeded/);
    expect(await store.blobs.keys()).toEqual([]);
    expect(await cache.record('digits')).toBeUndefined();
    expect((await cache.blob('big'))?.byteLength).toBe(100);
  });
});

describe('partial downloads', () => {
  it('returns saved chunks in order and forgets them on clear', async () => {
    const { cache } = setup(1000);
    await cache.partials.append('f', 0, new Uint8Array([1, 2]));
    await cache.partials.append('f', 2, new Uint8Array([3]));
    await cache.partials.append('g', 0, new Uint8Array([9]));
    expect((await cache.partials.load('f')).map((c) => [...c])).toEqual([[1, 2], [3]]);
    await cache.partials.clear('f');
    expect(await cache.partials.load('f')).toEqual([]);
    expect(await cache.partials.load('g')).toHaveLength(1);
  });

  it('discards chunks that are not contiguous', async () => {
    const { cache } = setup(1000);
    await cache.partials.append('f', 0, new Uint8Array([1, 2]));
    await cache.partials.append('f', 5, new Uint8Array([3]));
    expect(await cache.partials.load('f')).toEqual([]);
  });

  it('remembers newer verified metadata of a cached version, and its envelope, without touching blobs', async () => {
    const { store, cache } = setup(10_000);
    await cache.commit({ ...request('digits', '1.0.0', { a: 10 }), channel: 'latest' });
    const yanked = { signed: { name: 'digits', version: '1.0.0', status: 'yanked' } };
    await cache.remember({ name: 'digits', version: '1.0.0', envelope: yanked, metadataVersion: 7 });
    const record = await cache.record('digits');
    expect(record?.seenMetadata).toEqual({ '1.0.0': 7 });
    expect(record?.versions).toMatchObject([{ version: '1.0.0', metadataVersion: 7, envelope: yanked }]);
    expect(record?.channels).toEqual({ latest: '1.0.0' });
    expect(await store.blobs.keys()).toEqual(['a']);
  });

  it('remembers metadata of a version it never cached, and never goes back to older metadata', async () => {
    const { store, cache } = setup(10_000);
    const envelope = { signed: {} };
    await cache.remember({ name: 'cancer', version: '2.0.0', envelope, metadataVersion: 4 });
    expect(await cache.record('cancer')).toEqual({
      name: 'cancer',
      versions: [],
      channels: {},
      seenMetadata: { '2.0.0': 4 },
    });
    let writes = 0;
    const put = store.records.put.bind(store.records);
    store.records.put = async (key, value) => {
      writes++;
      await put(key, value);
    };
    await cache.remember({ name: 'cancer', version: '2.0.0', envelope, metadataVersion: 3 });
    await cache.remember({ name: 'cancer', version: '2.0.0', envelope, metadataVersion: 4 });
    expect(writes, 'nothing new, nothing written').toBe(0);
    expect((await cache.record('cancer'))?.seenMetadata).toEqual({ '2.0.0': 4 });
  });

  it("reads nothing for metadata that the caller's record holds already, and still remembers what it lacks", async () => {
    const { store, cache } = setup(10_000);
    const envelope = { signed: {} };
    await cache.remember({ name: 'cancer', version: '2.0.0', envelope, metadataVersion: 4 });
    const known = (await cache.record('cancer'))!;
    let reads = 0;
    const match = store.records.match.bind(store.records);
    store.records.match = async (key) => {
      reads++;
      return match(key);
    };
    await cache.remember({ name: 'cancer', version: '2.0.0', envelope, metadataVersion: 4 }, known);
    expect(reads, 'known holds it: no read').toBe(0);
    await cache.remember({ name: 'cancer', version: '2.0.0', envelope, metadataVersion: 5 }, known);
    expect(reads, 'known lacks it: read behind the queue').toBe(1);
    expect((await cache.record('cancer'))?.seenMetadata).toEqual({ '2.0.0': 5 });
  });
});
