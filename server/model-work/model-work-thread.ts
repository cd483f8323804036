import { deserializeFerryError, ErrorCode, FerryError } from '$shared';
import type { Worker } from 'node:worker_threads';
import type { OnnxFindings, OnnxJob } from './examine-onnx.ts';
import type { ModelWork } from './model-work.ts';
import { transferable, type FromModelWork, type ToModelWork } from './protocol.ts';

/** What {@link createModelWorkThread} takes. */
export interface ModelWorkThreadOptions {
  /** Starts a thread running serve.ts (worker.ts): on the first job, and on the next after a stop. */
  spawn: () => Worker;
  /** How long the thread waits for a next job before it is stopped (and its memory freed). */
  idleMs?: number;
}

type Outcome = { findings: OnnxFindings } | { error: unknown };

interface Pending {
  job: OnnxJob;
  resolve: (findings: OnnxFindings) => void;
  reject: (error: unknown) => void;
  /** Detaches the abort listener; called once the job settles. */
  done: () => void;
}

const crashed = (file: string, exitCode: number) =>
  new FerryError(
    ErrorCode.ONNX_INVALID,
    `${file}: onnxruntime's thread stopped (exit code ${exitCode}) while loading or compiling this file, so it was not published`,
    { details: { file, reason: 'thread-stopped' } },
  );
function outcomeOf(message: FromModelWork, file: string): Outcome {
  if ('findings' in message) return { findings: message.findings };
  if ('error' in message) return { error: deserializeFerryError(message.error) };
  // Logged with its stack on the thread.
  return { error: new FerryError(ErrorCode.INTERNAL, `${file}: checking failed on the model-work thread`) };
}

const shuttingDown = () => new FerryError(ErrorCode.UNAVAILABLE, 'publish: the server is shutting down');

/**
 * {@link ModelWork} on one worker thread, started on the first job and stopped after `idleMs`
 * without one: a publish's onnxruntime work (seconds for a large model) leaves the event loop,
 * which keeps serving event streams, control pushes and telemetry meanwhile. One job runs at a
 * time (two cores here: a second thread would only slow the event loop down); the others wait in
 * order. A thread that stops mid-job (an uncaught error, an exit) fails that job with ONNX_INVALID
 * and the next job starts a new one. A job aborted while it waits leaves the queue at once; one
 * aborted while it runs rejects at once and its result is dropped when it comes (onnxruntime's
 * native call cannot be interrupted; terminating the thread would only make the next job wait for
 * a new one).
 */
export function createModelWorkThread(options: ModelWorkThreadOptions): ModelWork {
  const idleMs = options.idleMs ?? 60_000;
  const queue: Pending[] = [];
  let worker: Worker | null = null;
  // The job the thread holds; `aborted` once its caller gave up on it (the thread still finishes it).
  let running: { id: number; pending: Pending; aborted: boolean } | null = null;
  let idleTimer: NodeJS.Timeout | null = null;
  let nextId = 0;
  let closed = false;

  const settle = (pending: Pending, outcome: Outcome) => {
    pending.done();
    if ('findings' in outcome) pending.resolve(outcome.findings);
    else pending.reject(outcome.error);
  };

  const onMessage = (message: FromModelWork) => {
    if (running?.id !== message.id) return;
    const { pending, aborted } = running;
    running = null;
    // An aborted job's caller already has its answer.
    if (!aborted) settle(pending, outcomeOf(message, pending.job.file));
    next();
  };

  const start = (): Worker => {
    const started = options.spawn();
    started.on('message', onMessage);
    started.on('error', (error) => console.error('ferry: the model-work thread failed', error));
    started.on('exit', (exitCode) => {
      if (worker !== started) return; // stopped on purpose
      worker = null;
      const lost = running;
      running = null;
      if (lost && !lost.aborted) settle(lost.pending, { error: crashed(lost.pending.job.file, exitCode) });
      next();
    });
    return started;
  };

  const stopIdle = () => {
    idleTimer = null;
    const idle = worker;
    worker = null;
    void idle?.terminate();
  };

  /** Sends the next queued job when the thread is free; arms the idle stop when there is none. */
  const next = () => {
    if (running || closed) return;
    const pending = queue.shift();
    if (!pending) {
      worker?.unref();
      if (worker && !idleTimer) idleTimer = setTimeout(stopIdle, idleMs).unref();
      return;
    }
    if (idleTimer) clearTimeout(idleTimer);
    idleTimer = null;
    worker ??= start();
    // A job in hand keeps the process alive, as the request waiting on it does.
    worker.ref();
    running = { id: nextId++, pending, aborted: false };
    const message: ToModelWork = { id: running.id, job: pending.job };
    worker.postMessage(message, transferable(pending.job.bytes));
  };

  return {
    examine(job, signal) {
      if (closed) return Promise.reject(shuttingDown());
      if (signal?.aborted) return Promise.reject(signal.reason as Error);
      return new Promise<OnnxFindings>((resolve, reject) => {
        const onAbort = () => {
          const waiting = queue.indexOf(pending);
          if (waiting >= 0) queue.splice(waiting, 1);
          // The thread finishes it before it takes the next job.
          else if (running?.pending === pending) running.aborted = true;
          settle(pending, { error: signal?.reason });
        };
        const pending: Pending = {
          job,
          resolve,
          reject,
          done: () => signal?.removeEventListener('abort', onAbort),
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        queue.push(pending);
        next();
      });
    },
    close() {
      closed = true;
      if (idleTimer) clearTimeout(idleTimer);
      const busy = running !== null;
      const lost = [...(running && !running.aborted ? [running.pending] : []), ...queue.splice(0)];
      running = null;
      for (const pending of lost) settle(pending, { error: shuttingDown() });
      const stopping = worker;
      worker = null;
      if (!stopping) return Promise.resolve();
      if (!busy) return stopping.terminate().then(() => undefined);
      // Terminating a thread inside an onnxruntime call aborts the whole process (the binding
      // throws while the thread is torn down): one mid-job is stopped once it has answered.
      return new Promise<void>((resolve) => {
        stopping.once('exit', () => resolve());
        stopping.once('message', () => void stopping.terminate());
      });
    },
  };
}
