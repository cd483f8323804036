import { openDeviceDb } from './device-db.ts';

const KEY = 'text-engine';

/**
 * Whether the last model this device loaded ran on transformers.js: a hint that lets a new worker
 * import transformers.js as it boots, before anything of the model is read or verified, as plain
 * transformers.js starts with its own import. A hint, not a fact: it only decides whether our own
 * bundled code is imported early (a wrong one costs an unused import or a later one). Kept in the
 * device database (device-db.ts), never sent.
 */
export interface EngineHint {
  /** What the last load ran on; false when unknown or in memory-only mode. Never rejects. */
  textEngine(): Promise<boolean>;
  /**
   * Remembers what a load ran on: true once any load of this worker ran on transformers.js (a
   * page that loads a text and an image model keeps importing it early). Writes only a change.
   * Never rejects.
   */
  remember(textEngine: boolean): Promise<void>;
}

/** Where a hint is kept: `get` and `put` may reject (a failed read is no hint, a failed write a later import). */
export interface EngineHintStore {
  get(): Promise<unknown>;
  put(textEngine: boolean): Promise<void>;
}

/** An {@link EngineHint} kept in `store`, read once. */
export function createEngineHint(store: EngineHintStore): EngineHint {
  let known: Promise<boolean> | undefined;
  let used = false;
  const read = () =>
    (known ??= store.get().then(
      (value) => value === true,
      () => false,
    ));
  return {
    textEngine: read,
    async remember(textEngine) {
      used ||= textEngine;
      const value = used;
      if ((await read()) === value) return;
      known = Promise.resolve(value);
      await store.put(value).catch(() => undefined);
    },
  };
}

const hints = new Map<'indexeddb' | 'memory', EngineHint>();

/**
 * This worker's {@link EngineHint} for a cache of `kind`, in the device database (one per kind;
 * `memory` writes nothing to the device, so it knows nothing either).
 */
export function engineHint(kind: 'indexeddb' | 'memory'): EngineHint {
  let hint = hints.get(kind);
  if (!hint) {
    hint =
      kind === 'memory'
        ? { textEngine: async () => false, remember: async () => undefined }
        : createEngineHint({
            get: async () => (await openDeviceDb())?.get('memo', KEY),
            put: async (value) => void (await (await openDeviceDb())?.put('memo', value, KEY)),
          });
    hints.set(kind, hint);
  }
  return hint;
}
