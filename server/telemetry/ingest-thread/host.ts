import { ErrorCode, FerryError } from '$shared';
import type { Worker } from 'node:worker_threads';
import type { Ingested, TextIngest } from '../ingest-text.ts';
import type { Receiver } from '../receiver.ts';
import type { Retention, RetentionPass } from '../retention.ts';
import type { FromThread, ToThread, WireResult } from './protocol.ts';

/** The server's side of the ingest thread. */
export interface IngestThread extends TextIngest {
  /** The thread's retention timer; `runOnce` runs a pass there and resolves with what it did. */
  retention: Retention;
  /** Refuses what is still pending (UNAVAILABLE) and terminates the thread; resolves once it has exited. Idempotent. */
  close(): Promise<void>;
}

/** What {@link startIngestThread} takes. */
export interface IngestThreadOptions {
  /** Starts a thread running serve.ts (worker.ts), on the first body and after each crash. */
  spawn: () => Worker;
  /** After a crash, how long bodies are refused (503) before a new thread is started. */
  restartDelayMs?: number;
}

const unavailable = (why: string) =>
  new FerryError(ErrorCode.UNAVAILABLE, `telemetry: the ingest thread ${why}; retry after 1 s`);

function settle(waiting: Receiver<Ingested>, result: WireResult): void {
  if ('outcome' in result) waiting.resolve(result);
  else if ('error' in result) waiting.reject(new FerryError(result.error.code, result.error.message));
  // Logged with its stack on the thread.
  else waiting.reject(new FerryError(ErrorCode.INTERNAL, 'telemetry: ingest failed on the ingest thread'));
}

/**
 * Ingests bodies on a thread of their own (issue 8): parsing, checking and the SQLite group commit
 * leave the server's event loop, which keeps HTTP, event streams and the console. The thread holds
 * one group of bodies at a time: those that arrive while it works go over as the next message,
 * when it has answered (the store's group commit, one level up), and come back as one reply after
 * their commit. The thread never takes the server down: if it fails or exits, what it held
 * is refused with UNAVAILABLE (503, Retry-After; nothing was acknowledged, and a batch committed
 * just before the crash is a duplicate when retried), and a new thread starts `restartDelayMs`
 * later, on the next body.
 */
export function startIngestThread(options: IngestThreadOptions): IngestThread {
  const restartDelayMs = options.restartDelayMs ?? 1000;
  let worker: Worker | null = null;
  // Set from a crash until the restart.
  let restarting = false;
  let closed = false;
  let retentionStopped = false;
  // The next group: bodies waiting for the thread to finish the group it holds.
  let texts: string[] = [];
  let waiting: Receiver<Ingested>[] = [];
  let flushScheduled = false;
  let nextId = 0;
  const inFlight = new Map<number, Receiver<Ingested>[]>();
  const passes = new Map<number, Receiver<RetentionPass>>();

  const ingestGroups = () => inFlight.size;
  const failInFlight = (error: FerryError) => {
    for (const group of inFlight.values()) for (const item of group) item.reject(error);
    inFlight.clear();
    for (const call of passes.values()) call.reject(error);
    passes.clear();
  };
  // The thread keeps the process alive only while it holds work, as a pending request would.
  const holdWhileBusy = (thread: Worker) => {
    if (inFlight.size + passes.size === 0) thread.unref();
    else thread.ref();
  };

  const onMessage = (thread: Worker, message: FromThread) => {
    if (message.type === 'ingested') {
      const group = inFlight.get(message.group);
      inFlight.delete(message.group);
      if (group)
        message.results.forEach((result, index) => settle(group[index] as Receiver<Ingested>, result));
      // What came in while the thread worked goes now, as one group.
      if (texts.length > 0 && !flushScheduled) flush();
    } else {
      const call = passes.get(message.id);
      passes.delete(message.id);
      if (message.pass) call?.resolve(message.pass);
      else call?.reject(new FerryError(ErrorCode.INTERNAL, 'telemetry: retention pass failed (logged)'));
    }
    holdWhileBusy(thread);
  };

  /** The running thread, started if need be; null while closed or waiting to restart after a crash. */
  const thread = (): Worker | null => {
    if (worker !== null || closed || restarting) return worker;
    const started = options.spawn();
    started.on('message', (message: FromThread) => onMessage(started, message));
    started.on('error', (error) => console.error('ferry: the telemetry ingest thread failed', error));
    started.on('exit', () => {
      if (worker !== started) return;
      worker = null;
      failInFlight(unavailable('stopped'));
      if (!closed) {
        restarting = true;
        // Restarted without waiting for a body: the retention timer runs on the thread.
        setTimeout(() => {
          restarting = false;
          thread();
        }, restartDelayMs).unref();
      }
      // The next group, refused now rather than left waiting for an answer that cannot come.
      if (texts.length > 0 && !flushScheduled) flush();
    });
    started.unref();
    if (retentionStopped) started.postMessage({ type: 'stop-retention' } satisfies ToThread);
    worker = started;
    return started;
  };

  const post = (message: ToThread): boolean => {
    const target = thread();
    if (target === null) return false;
    target.postMessage(message);
    target.ref();
    return true;
  };

  const flush = () => {
    flushScheduled = false;
    if (texts.length === 0) return;
    const group = waiting;
    const message: ToThread = { type: 'ingest', group: nextId++, texts };
    texts = [];
    waiting = [];
    if (post(message)) inFlight.set(message.group, group);
    else for (const item of group) item.reject(unavailable(closed ? 'is shutting down' : 'is restarting'));
  };

  // Started now rather than on the first body: the thread runs the retention timer.
  thread();
  return {
    ingestText(text, receiver) {
      // One group at a time, as the store's group commit does: a group goes when the thread has
      // answered the last one, or at the end of this turn when it holds none. Fewer, larger
      // messages: each costs both threads a wake-up and ~10 µs of CPU here.
      if (!flushScheduled && ingestGroups() === 0) {
        flushScheduled = true;
        setImmediate(flush);
      }
      texts.push(text);
      waiting.push(receiver);
    },
    retention: {
      runOnce() {
        return new Promise<RetentionPass>((resolve, reject) => {
          const id = nextId++;
          if (!post({ type: 'retention', id })) reject(unavailable('is not running'));
          else passes.set(id, { resolve, reject });
        });
      },
      stop() {
        retentionStopped = true;
        worker?.postMessage({ type: 'stop-retention' } satisfies ToThread);
      },
    },
    close() {
      closed = true;
      const stopping = worker;
      worker = null;
      failInFlight(unavailable('is shutting down'));
      if (texts.length > 0 && !flushScheduled) flush();
      return stopping ? stopping.terminate().then(() => undefined) : Promise.resolve();
    },
  };
}
