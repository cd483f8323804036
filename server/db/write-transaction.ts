import type { FerryDb, FerryTx } from './open.ts';

/**
 * Runs `write` in a BEGIN IMMEDIATE transaction on `db`: the write lock is taken at the start, so
 * while another connection writes (the telemetry ingest thread's own connection), the busy
 * timeout waits for it. A DEFERRED transaction that reads first and then writes would instead
 * fail at once with SQLITE_BUSY when it tries to upgrade its read lock, since SQLite cannot wait
 * for that upgrade without risking deadlock. Every transaction that writes goes through here.
 */
export function writeTransaction<T>(db: FerryDb, write: (tx: FerryTx) => T): T {
  return db.transaction(write, { behavior: 'immediate' });
}
