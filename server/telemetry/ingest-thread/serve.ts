import { drizzle } from 'drizzle-orm/better-sqlite3';
import type { MessagePort } from 'node:worker_threads';
import { openConnection } from '../../db/open.ts';
import * as schema from '../../db/schema.ts';
import { createFsBlobStore } from '../../storage/fs-blob-store.ts';
import { createTelemetryIngest } from '../ingest.ts';
import { createTextIngest } from '../ingest-text.ts';
import { startRetention } from '../retention.ts';
import { createSqliteTelemetryStore } from '../sqlite-store.ts';
import {
  refusalOf,
  type FromThread,
  type IngestThreadData,
  type ToThread,
  type WireResult,
} from './protocol.ts';

/**
 * The ingest thread's side (worker.ts runs it): its own connection to the server's database, the
 * same pipeline as in-process (ingest-text.ts over the SQLite store's group commit), and the
 * retention timer, since roll-up rewrites the minute buckets this thread's store caches. The
 * bodies of one `ingest` message are handed to the store in one turn, so they share one commit;
 * the reply goes out once every one of them has committed or been refused.
 */
export function serveIngestThread(port: MessagePort, data: IngestThreadData): void {
  // Checkpoints stay on commit here (SQLite's default): the server's checkpointer thread keeps the
  // WAL short, and one that falls behind then costs this thread, not the server's event loop.
  const sqlite = openConnection(data.databaseFile);
  const db = drizzle(sqlite, { schema });
  const blobs = createFsBlobStore({ dataDir: data.dataDir });
  const store = createSqliteTelemetryStore(db, { durability: data.durability });
  const pipeline = createTextIngest(createTelemetryIngest({ db, blobs, store }));
  const retention = startRetention(store, data.retention);
  const send = (message: FromThread) => port.postMessage(message);

  const ingest = (group: number, texts: readonly string[]) => {
    const results: WireResult[] = new Array<WireResult>(texts.length);
    let left = texts.length;
    const settle = (index: number, result: WireResult) => {
      results[index] = result;
      if (--left === 0) send({ type: 'ingested', group, results });
    };
    texts.forEach((text, index) => {
      // Methods, not arrows: this thread's bundle keeps function names, and each named arrow costs a
      // defineProperty per body.
      pipeline.ingestText(text, {
        resolve(ingested) {
          settle(index, ingested);
        },
        reject(error) {
          const refusal = refusalOf(error);
          if ('internal' in refusal) console.error('ferry: telemetry ingest failed', error);
          settle(index, refusal);
        },
      });
    });
  };

  port.on('message', (message: ToThread) => {
    if (message.type === 'ingest') ingest(message.group, message.texts);
    else if (message.type === 'stop-retention') retention.stop();
    else {
      retention.runOnce().then(
        (pass) => send({ type: 'retention', id: message.id, pass }),
        (error: unknown) => {
          console.error('ferry: telemetry retention pass failed', error);
          send({ type: 'retention', id: message.id, pass: null });
        },
      );
    }
  });
}
