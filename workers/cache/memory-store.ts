import type { CacheArea, CacheStore, ModelRecord } from './types.ts';

/** Options of {@link createMemoryStore}. */
export interface MemoryStoreOptions {
  /**
   * Bytes of blobs and partials it accepts before `put` rejects with `QuotaExceededError`,
   * as a full IndexedDB would. Unlimited by default.
   */
  quotaBytes?: number;
}

/**
 * A cache that lives as long as the worker: for pages without IndexedDB, for private modes where
 * storage is refused, and for tests. Behaves like the IndexedDB store, quota errors included.
 */
export function createMemoryStore(options: MemoryStoreOptions = {}): CacheStore {
  const quota = options.quotaBytes ?? Infinity;
  const byteAreas: Map<string, Uint8Array>[] = [];
  const used = () =>
    byteAreas.reduce((sum, m) => sum + [...m.values()].reduce((s, b) => s + b.byteLength, 0), 0);

  function bytesArea(): CacheArea<Uint8Array> {
    const map = new Map<string, Uint8Array>();
    byteAreas.push(map);
    return {
      match: async (key) => map.get(key),
      async put(key, value) {
        const growth = value.byteLength - (map.get(key)?.byteLength ?? 0);
        if (used() + growth > quota)
          throw new DOMException('memory store quota reached', 'QuotaExceededError');
        map.set(key, value.slice());
      },
      delete: async (key) => void map.delete(key),
      keys: async () => [...map.keys()],
    };
  }

  const records = new Map<string, ModelRecord>();
  return {
    kind: 'memory',
    blobs: bytesArea(),
    partials: bytesArea(),
    records: {
      match: async (key) => structuredClone(records.get(key)),
      put: async (key, value) => void records.set(key, structuredClone(value)),
      delete: async (key) => void records.delete(key),
      keys: async () => [...records.keys()],
    },
  };
}
