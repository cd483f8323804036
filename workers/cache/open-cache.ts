import { openIndexedDbStore } from './indexeddb-store.ts';
import { createMemoryStore } from './memory-store.ts';
import { createModelCache, type ModelCache } from './model-cache.ts';

/** The cache a worker uses, and why it is not the one asked for, if so. */
export interface OpenedCache {
  cache: ModelCache;
  warning?: string;
}

/**
 * Opens the persistent IndexedDB cache when `kind` is `indexeddb` and the platform allows it
 * (private modes and some embedders refuse), else an in-memory cache, saying why.
 */
export async function openCache(kind: 'indexeddb' | 'memory', budgetBytes: number): Promise<OpenedCache> {
  if (kind === 'memory') return { cache: createModelCache(createMemoryStore(), { budgetBytes }) };
  try {
    return { cache: createModelCache(await openIndexedDbStore(), { budgetBytes }) };
  } catch (error) {
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return {
      cache: createModelCache(createMemoryStore(), { budgetBytes }),
      warning: `IndexedDB unavailable (${reason}); models are cached in memory for this session only`,
    };
  }
}
