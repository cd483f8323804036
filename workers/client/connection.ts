import { wrap, type Remote } from 'comlink';
import { ErrorCode, FerryError } from '$shared/errors.ts';
import { lifeLockName, watchLifeLock } from '../life-lock.ts';
import type { WorkerApi } from '../worker.ts';
import { createRunChannel, type RunChannel, type RunChannelOptions } from './run-channel.ts';

/** Configures a new worker; `lifeLock` names the Web Lock it must hold for its life (life-lock.ts). */
export type InitWorker = (api: Remote<WorkerApi>, lifeLock: string) => Promise<void>;

/** A comlink connection to the Ferry worker that notices when it cannot start, dies, or is terminated. */
export interface Connection {
  readonly state: 'running' | 'crashed' | 'terminated';
  /** Which worker runs now: 0 for the first, one more for each started after a crash; -1 when none. */
  readonly generation: number;
  /**
   * Calls the worker, starting a new one if the last one died; the call is posted at once, right
   * behind `init`, and settles once both did. Rejects
   * (instead of hanging) with WORKER_CRASHED if the worker dies first, BACKEND_UNAVAILABLE if it
   * never starts, MODEL_DISPOSED once terminated. `fn` learns which worker it runs on, and gets
   * its run channel (run() bypasses comlink, see run-channel.ts).
   */
  call<T>(fn: (api: Remote<WorkerApi>, generation: number, runs: RunChannel) => Promise<T>): Promise<T>;
  /**
   * The worker that runs now, once initialised, with its generation; undefined while none is
   * (not started, starting, dead, terminated). run()'s fast path: a post with no promise chain.
   */
  readonly live: { runs: RunChannel; generation: number } | undefined;
  terminate(): void;
}

interface Incarnation {
  worker: Worker;
  api: Remote<WorkerApi>;
  runs: RunChannel;
  generation: number;
  initialized: Promise<void>;
  /** Set once `initialized` resolved: the worker runs. */
  started: boolean;
  dead: Promise<never>;
  fail: (error: FerryError) => void;
}

/**
 * Starts a worker with `create` and keeps one running. An `error` event before `init`
 * resolves means the script never ran (wrong URL, blocked by COEP/CORP, a syntax error): every
 * pending and later call rejects with BACKEND_UNAVAILABLE. A worker that ends later, however it
 * ends, releases its life lock: pending calls reject with WORKER_CRASHED and the next call starts
 * a new worker. `runs` configures each worker's run channel (run-channel.ts).
 */
export function connect(create: () => Worker, init: InitWorker, runs: RunChannelOptions = {}): Connection {
  let state: Connection['state'] = 'running';
  let current: Incarnation | undefined;
  let broken: FerryError | undefined;
  let generation = -1;

  function start(): Incarnation {
    const worker = create();
    // The run channel listens first, so comlink's listener never sees a run reply.
    const channel = createRunChannel(worker, runs);
    const api = wrap<WorkerApi>(worker);
    let fail: (error: FerryError) => void = () => undefined;
    const dead = new Promise<never>((_, reject) => (fail = reject));
    dead.catch(() => undefined);
    const incarnation: Incarnation = {
      worker,
      api,
      runs: channel,
      generation: ++generation,
      initialized: dead,
      started: false,
      dead,
      fail,
    };

    worker.addEventListener('error', (event) => {
      if (incarnation.started) return; // an uncaught error in a running worker does not end it
      event.preventDefault();
      const detail = event instanceof ErrorEvent && event.message ? `: ${event.message}` : '';
      broken = new FerryError(
        ErrorCode.BACKEND_UNAVAILABLE,
        `worker: the Ferry worker script failed to start${detail} (is it served with a JavaScript MIME type and headers COEP allows?)`,
      );
      end(incarnation, broken);
    });

    const lock = lifeLockName();
    incarnation.initialized = Promise.race([init(api, lock), dead]).then(() => {
      incarnation.started = true;
      watchLifeLock(lock, () => {
        const message =
          'worker: the Ferry worker stopped (crashed or killed by the browser); the next call starts a new one';
        end(incarnation, new FerryError(ErrorCode.WORKER_CRASHED, message));
      });
    });
    incarnation.initialized.catch(() => undefined);
    return incarnation;
  }

  function end(incarnation: Incarnation, error: FerryError): void {
    if (current !== incarnation) return;
    current = undefined;
    if (state !== 'terminated') state = 'crashed';
    incarnation.worker.terminate();
    incarnation.runs.fail(error);
    incarnation.fail(error);
  }

  return {
    get state() {
      return state;
    },
    get generation() {
      return current && state === 'running' ? current.generation : -1;
    },
    get live() {
      return current?.started && state === 'running' ? current : undefined;
    },
    call<T>(fn: (api: Remote<WorkerApi>, generation: number, runs: RunChannel) => Promise<T>): Promise<T> {
      if (state === 'terminated') {
        return Promise.reject(new FerryError(ErrorCode.MODEL_DISPOSED, 'client: terminated'));
      }
      if (broken) return Promise.reject(broken);
      if (!current) {
        current = start();
        state = 'running';
      }
      const { api, runs, dead, initialized, generation: on } = current;
      // Posted at once, behind init: the worker handles messages in order and init configures it
      // before its first await, so a call need not wait for init's reply, a round trip through
      // this page, to start (a warm load starts that much sooner). It settles no sooner than init,
      // and with init's error when init fails.
      const called = new Promise<T>((resolve) => resolve(fn(api, on, runs)));
      return Promise.race([Promise.all([initialized, called]).then(([, value]) => value), dead]);
    },
    terminate() {
      state = 'terminated';
      if (current) end(current, new FerryError(ErrorCode.MODEL_DISPOSED, 'client: terminated'));
    },
  };
}
