import { wrap, type Remote } from 'comlink';
import { ErrorCode, FerryError } from '$shared/errors.ts';
import type { WorkerApi } from '../worker.ts';

/** A comlink connection that notices when its worker cannot start or is terminated. */
export interface Connection {
  readonly state: 'running' | 'crashed' | 'terminated';
  /** Calls the worker; rejects (instead of hanging) if the worker dies or is terminated first. */
  call<T>(fn: (api: Remote<WorkerApi>) => Promise<T>): Promise<T>;
  /** Marks the worker as started: later `error` events no longer count as a failed start. */
  started(): void;
  terminate(): void;
}

/**
 * Wraps `worker` with comlink. An `error` event before {@link Connection.started} means the
 * worker script never ran (wrong URL, blocked by COEP/CORP, a syntax error): every pending and
 * later call rejects with BACKEND_UNAVAILABLE saying so.
 */
export function connect(worker: Worker): Connection {
  const api = wrap<WorkerApi>(worker);
  let state: Connection['state'] = 'running';
  let isStarted = false;
  let fail: (error: FerryError) => void = () => undefined;
  const dead = new Promise<never>((_, reject) => (fail = reject));
  dead.catch(() => undefined);

  worker.addEventListener('error', (event) => {
    if (isStarted) return;
    event.preventDefault();
    state = 'crashed';
    const detail = event instanceof ErrorEvent && event.message ? `: ${event.message}` : '';
    fail(
      new FerryError(
        ErrorCode.BACKEND_UNAVAILABLE,
        `worker: the Ferry worker script failed to start${detail} (is it served with a JavaScript MIME type and headers COEP allows?)`,
      ),
    );
  });

  return {
    get state() {
      return state;
    },
    call(fn) {
      if (state === 'terminated') {
        return Promise.reject(new FerryError(ErrorCode.MODEL_DISPOSED, 'client: terminated'));
      }
      return Promise.race([fn(api), dead]);
    },
    started: () => void (isStarted = true),
    terminate() {
      if (state === 'terminated') return;
      state = 'terminated';
      worker.terminate();
      fail(new FerryError(ErrorCode.MODEL_DISPOSED, 'client: terminated'));
    },
  };
}
