// The ingest thread's entry: bundled on its own beside the server (server/build/server-bundle.js).
import { parentPort, workerData } from 'node:worker_threads';
import type { IngestThreadData } from './protocol.ts';
import { serveIngestThread } from './serve.ts';

if (parentPort) serveIngestThread(parentPort, workerData as IngestThreadData);
