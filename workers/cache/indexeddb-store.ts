import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import type { CacheArea, CacheStore, ModelRecord } from './types.ts';

interface FerryDb extends DBSchema {
  blobs: { key: string; value: Uint8Array };
  records: { key: string; value: ModelRecord };
  partials: { key: string; value: Uint8Array };
}

type StoreName = 'blobs' | 'records' | 'partials';

/** Name of the IndexedDB database Ferry keeps per origin. */
const DATABASE_NAME = 'ferry';

/**
 * The persistent cache: one IndexedDB database per origin with object stores `blobs`, `records`
 * and `partials`. Each put is its own transaction, so a crash leaves either the whole value or
 * none of it. Rejects when IndexedDB cannot be opened (callers fall back to memory).
 */
export async function openIndexedDbStore(name = DATABASE_NAME): Promise<CacheStore> {
  const db = await openDB<FerryDb>(name, 1, {
    upgrade(database) {
      database.createObjectStore('blobs');
      database.createObjectStore('records');
      database.createObjectStore('partials');
    },
  });
  return {
    kind: 'indexeddb',
    blobs: area(db, 'blobs'),
    records: area(db, 'records'),
    partials: area(db, 'partials'),
  };
}

function area<N extends StoreName>(db: IDBPDatabase<FerryDb>, store: N): CacheArea<FerryDb[N]['value']> {
  return {
    match: (key) => db.get(store, key),
    async put(key, value) {
      // Resolves only once the transaction committed: a blob is either entirely stored or absent.
      const tx = db.transaction(store, 'readwrite');
      await Promise.all([tx.store.put(value, key), tx.done]);
    },
    async delete(key) {
      const tx = db.transaction(store, 'readwrite');
      await Promise.all([tx.store.delete(key), tx.done]);
    },
    keys: async () => (await db.getAllKeys(store)).map(String),
  };
}
