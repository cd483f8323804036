import { openDB, type DBSchema, type IDBPDatabase } from 'idb';

/** A sealed batch waiting in the queue; `seq` orders the queue (oldest first). */
export interface QueuedBatch {
  seq: number;
  batchId: string;
  body: string;
  bytes: number;
}

/** Bounds of the queue: past either, the oldest batches are dropped. */
export interface QueueBounds {
  maxBatches: number;
  maxBytes: number;
}

/**
 * The device's outbox of telemetry batches. Contract: `push` is atomic (the batch is stored, the
 * oldest batches past the bounds are dropped and counted, and the drop count the batch reported
 * is subtracted, all or nothing); a batch leaves only through `remove` (after the server's 200)
 * or a drop; nothing here throws for a full queue.
 */
export interface TelemetryQueue {
  readonly kind: 'indexeddb' | 'memory';
  push(entry: Omit<QueuedBatch, 'seq'>, options: { reportedDrops: number }): Promise<void>;
  /** The oldest batch, or undefined when empty. */
  oldest(): Promise<QueuedBatch | undefined>;
  /** Removes a batch; removing one that is gone is not an error. */
  remove(seq: number): Promise<void>;
  /** Batches dropped over the bounds and not yet reported in a batch. */
  dropped(): Promise<number>;
  size(): Promise<{ batches: number; bytes: number }>;
  /** Deletes every batch and the unreported drop count (consent withdrawn): all or nothing. */
  clear(): Promise<void>;
}

/** Which of `entries` (oldest first, the new one last) go so that the rest fit `bounds`. */
export function overflow(
  entries: readonly Pick<QueuedBatch, 'seq' | 'bytes'>[],
  bounds: QueueBounds,
): number[] {
  let count = entries.length;
  let bytes = entries.reduce((sum, e) => sum + e.bytes, 0);
  const drop: number[] = [];
  // The newest batch always stays: a single batch fits the byte bound (config.ts checks it).
  for (const entry of entries.slice(0, -1)) {
    if (count <= bounds.maxBatches && bytes <= bounds.maxBytes) break;
    drop.push(entry.seq);
    count--;
    bytes -= entry.bytes;
  }
  return drop;
}

/** A queue that lives as long as the worker: when IndexedDB cannot be opened. */
export function createMemoryQueue(bounds: QueueBounds): TelemetryQueue {
  let entries: QueuedBatch[] = [];
  let dropped = 0;
  let nextSeq = 1;
  return {
    kind: 'memory',
    async push(entry, { reportedDrops }) {
      const all = [...entries, { ...entry, seq: nextSeq++ }];
      const gone = new Set(overflow(all, bounds));
      entries = all.filter((e) => !gone.has(e.seq));
      dropped = Math.max(0, dropped - reportedDrops) + gone.size;
    },
    oldest: async () => entries[0],
    async remove(seq) {
      entries = entries.filter((e) => e.seq !== seq);
    },
    dropped: async () => dropped,
    size: async () => ({ batches: entries.length, bytes: entries.reduce((sum, e) => sum + e.bytes, 0) }),
    async clear() {
      entries = [];
      dropped = 0;
    },
  };
}

interface TelemetryDb extends DBSchema {
  batches: { key: number; value: QueuedBatch };
  meta: { key: 'dropped'; value: number };
}

/** Database of the telemetry queue, apart from the model cache's so each evolves on its own. */
const DATABASE_NAME = 'ferry-telemetry';

/**
 * The persistent queue: IndexedDB database `ferry-telemetry`, batches under an auto-increment
 * key, the unreported drop count beside them. Each push is one transaction over both stores, so
 * a crash leaves either the batch with its drops accounted or none of it. Rejects when IndexedDB
 * cannot be opened (the caller falls back to memory).
 */
export async function openIndexedDbQueue(bounds: QueueBounds, name = DATABASE_NAME): Promise<TelemetryQueue> {
  const db = await openTelemetryDb(name);
  return {
    kind: 'indexeddb',
    async push(entry, { reportedDrops }) {
      const tx = db.transaction(['batches', 'meta'], 'readwrite');
      const batches = tx.objectStore('batches');
      const meta = tx.objectStore('meta');
      // The key path fills in `seq`, which the stored value therefore lacks until it is added.
      await batches.add(entry as QueuedBatch);
      const gone = overflow(await batches.getAll(), bounds);
      for (const key of gone) await batches.delete(key);
      const before = (await meta.get('dropped')) ?? 0;
      await meta.put(Math.max(0, before - reportedDrops) + gone.length, 'dropped');
      await tx.done;
    },
    async oldest() {
      const cursor = await db.transaction('batches').store.openCursor();
      return cursor?.value;
    },
    async remove(seq) {
      const tx = db.transaction('batches', 'readwrite');
      await Promise.all([tx.store.delete(seq), tx.done]);
    },
    dropped: async () => (await db.get('meta', 'dropped')) ?? 0,
    async size() {
      const all = await db.getAll('batches');
      return { batches: all.length, bytes: all.reduce((sum, e) => sum + e.bytes, 0) };
    },
    clear: () => clearStores(db),
  };
}

async function clearStores(db: IDBPDatabase<TelemetryDb>): Promise<void> {
  const tx = db.transaction(['batches', 'meta'], 'readwrite');
  await Promise.all([tx.objectStore('batches').clear(), tx.objectStore('meta').clear(), tx.done]);
}

function openTelemetryDb(name: string) {
  return openDB<TelemetryDb>(name, 1, {
    upgrade(database) {
      database.createObjectStore('batches', { keyPath: 'seq', autoIncrement: true });
      database.createObjectStore('meta');
    },
  });
}

/**
 * Deletes every batch queued on this device, for a worker that holds no queue (consent withdrawn
 * while telemetry was off): batches an earlier page left must not wait there for a later consent.
 * Never rejects: without IndexedDB there is nothing stored to delete.
 */
export async function clearDeviceQueue(name = DATABASE_NAME): Promise<void> {
  try {
    const db = await openTelemetryDb(name);
    try {
      await clearStores(db);
    } finally {
      db.close();
    }
  } catch {
    // No IndexedDB (private modes, embedders without storage): no batch was stored either.
  }
}

/** The IndexedDB queue, else a memory one (private modes, embedders without storage). */
export async function openQueue(bounds: QueueBounds): Promise<TelemetryQueue> {
  try {
    return await openIndexedDbQueue(bounds);
  } catch {
    return createMemoryQueue(bounds);
  }
}
