import { openDB, type IDBPDatabase } from 'idb';

let opening: Promise<IDBPDatabase | undefined> | undefined;

/**
 * The worker's `ferry-device` IndexedDB database: what this device remembers for itself (the
 * WebGPU probe, the engine its last load ran on), apart from the model cache and the control
 * state, so clearing either never leaves a stale memo behind or the other way round. Nothing in
 * it is ever sent. Opened once per worker, whoever asks first; undefined where IndexedDB is
 * refused (private modes). Never rejects.
 */
export function openDeviceDb(): Promise<IDBPDatabase | undefined> {
  opening ??= openDB('ferry-device', 1, {
    upgrade: (database) => void database.createObjectStore('memo'),
  }).catch(() => undefined);
  return opening;
}
