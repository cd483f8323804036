import type Database from 'better-sqlite3';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** SQLite's own default `wal_autocheckpoint`, restored whenever the background checkpointer is not running. */
const AUTO_CHECKPOINT_PAGES = 1000;
/** What a WAL that grew under load is cut back to when it starts over (`journal_size_limit`). */
const WAL_LIMIT_BYTES = 64 * 1024 * 1024;

/** What {@link startWalCheckpointer} takes. */
export interface WalCheckpointerOptions {
  /**
   * How often the worker checkpoints what the WAL holds (PASSIVE: writers never wait for it); 200 ms
   * by default. Longer is not cheaper: under the ingest benchmark's load, 1000 ms cost the event
   * loop 5 to 7 µs more per batch than 200 ms in two paired runs (a longer WAL to append to and
   * look pages up in), and the checkpointer thread's own time hardly changed.
   */
  intervalMs?: number;
  /**
   * Past this many frames left in the WAL after a passive checkpoint (writers kept it from ever
   * catching up, so the WAL cannot start over), one RESTART checkpoint makes writers wait until
   * it has copied everything and the WAL starts over: a bound on the WAL's size.
   */
  restartFrames?: number;
}

/** The running checkpointer. */
export interface WalCheckpointer {
  /** Stops the worker and gives checkpoints back to the connection; resolves once the worker has exited. Idempotent. */
  stop(): Promise<void>;
}

// Runs in the worker (CommonJS, evaluated from this string so that the server bundle needs no
// second entry): its own connection to the same file, checkpointing on a timer. Failures are
// reported and retried on the next tick; a worker that cannot open the file exits with the error.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { fileMustExist: true });
db.pragma('busy_timeout = 5000');
db.pragma('journal_size_limit = ' + workerData.walBytes);
const passive = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');
const restart = db.prepare('PRAGMA wal_checkpoint(RESTART)');
const timer = setInterval(() => {
  try {
    if (passive.get().log > workerData.restartFrames) restart.get();
  } catch (error) {
    parentPort.postMessage({ failed: String(error && error.message) });
  }
}, workerData.intervalMs);
parentPort.on('message', () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

/**
 * Moves the WAL checkpoints of `sqlite` (a connection to the database `file`) to a worker thread
 * with a connection of its own: the connection stops checkpointing on commit (`wal_autocheckpoint
 * = 0`), and the worker copies the WAL into the database file every `intervalMs`. A checkpoint
 * copies every page the WAL holds and syncs both files; on the commit that crossed SQLite's 1,000
 * pages it stalled the event loop for tens of milliseconds under telemetry ingest (every batch id
 * lands on its own b-tree page). Passive checkpoints never make a writer wait; only a WAL past
 * `restartFrames` (writers never let a passive one finish) gets one RESTART checkpoint, which
 * does. If the worker fails or stops, the connection checkpoints on commit again.
 */
export function startWalCheckpointer(
  sqlite: Database.Database,
  file: string,
  options: WalCheckpointerOptions = {},
): WalCheckpointer {
  const restartFrames = options.restartFrames ?? 8192;
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: {
      driver,
      file,
      intervalMs: options.intervalMs ?? 200,
      restartFrames,
      walBytes: WAL_LIMIT_BYTES,
    },
  });
  // Never what keeps the process alive: a server that exits without stop() takes the worker along.
  worker.unref();
  sqlite.pragma('wal_autocheckpoint = 0');
  // A WAL that grew under load is cut back to this when it starts over.
  sqlite.pragma(`journal_size_limit = ${WAL_LIMIT_BYTES}`);
  let running = true;
  const handBack = () => {
    if (!running) return;
    running = false;
    // The connection may be closed by now (shutdown); then there is nothing to hand back.
    if (sqlite.open) sqlite.pragma(`wal_autocheckpoint = ${AUTO_CHECKPOINT_PAGES}`);
  };
  worker.on('message', (message: { failed?: string }) => {
    if (message.failed) console.error(`ferry: WAL checkpoint failed: ${message.failed}`);
  });
  worker.on('error', (error) => {
    console.error('ferry: WAL checkpointer stopped; checkpoints run on commit again', error);
    handBack();
  });
  worker.on('exit', handBack);
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  return {
    stop() {
      handBack();
      worker.postMessage('stop');
      return exited;
    },
  };
}
