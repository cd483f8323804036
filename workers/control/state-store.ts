import { openDB } from 'idb';
import { newDeviceId, type DeviceId } from './bucket.ts';

/** What a device keeps about one model's control document. */
export interface ControlRecord {
  model: string;
  /** The highest `metadataVersion` ever accepted for the model: anything lower is a replay. */
  highestSeen: number;
  /** The last good (verified) envelope; verified again whenever it is used. */
  envelope: unknown;
}

/**
 * Where control state lives on the device. `deviceId()` creates the id on first use and returns
 * the same one ever after (for this store); it is read only by bucketing, never sent. `save`
 * never lowers `highestSeen` nor replaces an envelope with an older one, so concurrent workers
 * (two tabs) cannot undo each other's progress.
 */
export interface ControlStateStore {
  readonly kind: 'indexeddb' | 'memory';
  deviceId(): Promise<DeviceId>;
  record(model: string): Promise<ControlRecord | undefined>;
  save(record: ControlRecord): Promise<void>;
}

const DEVICE_KEY = 'device-id';
const modelKey = (model: string) => `model:${model}`;

/** `next` merged onto `previous`: the higher `highestSeen`, and the envelope that came with it. */
function merged(previous: ControlRecord | undefined, next: ControlRecord): ControlRecord {
  if (!previous || next.highestSeen >= previous.highestSeen) return next;
  return previous;
}

/** Control state that lives as long as the worker (cache `memory`, or IndexedDB refused). */
export function createMemoryStateStore(): ControlStateStore {
  const records = new Map<string, ControlRecord>();
  const id = newDeviceId();
  return {
    kind: 'memory',
    deviceId: async () => id,
    record: async (model) => structuredClone(records.get(model)),
    async save(record) {
      records.set(record.model, structuredClone(merged(records.get(record.model), record)));
    },
  };
}

/**
 * Control state in its own IndexedDB database (`ferry-control`, one object store), apart from
 * the model cache so that clearing or evicting models never resets the device id or the
 * replay protection. Each read-modify-write is one transaction.
 */
export async function openIndexedDbStateStore(name = 'ferry-control'): Promise<ControlStateStore> {
  const db = await openDB(name, 1, {
    upgrade(database) {
      database.createObjectStore('state');
    },
  });
  let id: Promise<DeviceId> | undefined;
  const readOrCreateId = async () => {
    const tx = db.transaction('state', 'readwrite');
    let stored = (await tx.store.get(DEVICE_KEY)) as DeviceId | undefined;
    if (typeof stored !== 'string') {
      stored = newDeviceId();
      await tx.store.put(stored, DEVICE_KEY);
    }
    await tx.done;
    return stored;
  };
  return {
    kind: 'indexeddb',
    deviceId: () => (id ??= readOrCreateId()),
    record: async (model) => (await db.get('state', modelKey(model))) as ControlRecord | undefined,
    async save(record) {
      const tx = db.transaction('state', 'readwrite');
      const previous = (await tx.store.get(modelKey(record.model))) as ControlRecord | undefined;
      const next = merged(previous, record);
      if (next !== previous) await tx.store.put(next, modelKey(record.model));
      await tx.done;
    },
  };
}

/** The IndexedDB store when `kind` asks for it and the platform allows it, else memory. */
export async function openStateStore(kind: 'indexeddb' | 'memory'): Promise<ControlStateStore> {
  if (kind === 'memory') return createMemoryStateStore();
  try {
    return await openIndexedDbStateStore();
  } catch {
    // Private modes refuse IndexedDB; the model cache says so in its own warning.
    return createMemoryStateStore();
  }
}
