// The model-work thread's entry: bundled on its own beside the server (server/build/server-bundle.js).
import { parentPort, workerData } from 'node:worker_threads';
import type { ModelWorkData } from './protocol.ts';
import { serveModelWork } from './serve.ts';

if (parentPort) serveModelWork(parentPort, workerData as ModelWorkData);
