import { proxy, type Remote } from 'comlink';
import { deserializeFerryError, ErrorCode, FerryError } from '$shared/errors.ts';
import { asFerryError } from '../errors-transfer.ts';
import type { ModelRequest } from '../loader/manifest.ts';
import type {
  Assignment,
  LoadProgress,
  ModelInfo,
  ModelState,
  RunInput,
  RunResult,
  VersionChange,
} from '../types.ts';
import type { WorkerEvent } from '../worker-api.ts';
import type { WorkerApi } from '../worker.ts';
import type { Connection } from './connection.ts';
import type { RunChannel } from './run-channel.ts';
import { createEmitter, type Listener } from './emitter.ts';
import { plainImage, transferablesOf } from './transferables.ts';

/** Events of a {@link FerryModel}. */
export interface ModelEvents {
  progress: LoadProgress;
  ready: ModelInfo;
  /** Load failures, and non-fatal ones (a new version refused while the last good one runs). */
  error: FerryError;
  /** The model runs another version now (rollout control, or a new `latest` since the last visit). */
  versionChanged: VersionChange;
  /** Rollout control re-assigned the model (new percentage, targeting, …), whether or not its version changed. */
  assignment: Assignment;
}

/** Options of {@link FerryModel.run}. */
export interface RunOptions {
  /** Transfer input buffers to the worker (default) instead of copying them; they are detached after. */
  transfer?: boolean;
}

/** A model of a {@link FerryClient}: loads on creation, runs in the worker. */
export interface FerryModel {
  readonly name: string;
  readonly state: ModelState;
  /** Set once ready; follows every version switch. */
  readonly info: ModelInfo | undefined;
  /**
   * Which version rollout control assigns this device, and why; null until ready. Computed on the
   * device from the signed control document: nothing about the device is sent to decide it.
   *
   * @example
   * const { version, rollout, reason } = model.assignment() ?? {}; // reason: 'in-rollout', …
   */
  assignment(): Assignment | null;
  on<K extends keyof ModelEvents>(event: K, listener: Listener<ModelEvents, K>): () => void;
  off<K extends keyof ModelEvents>(event: K, listener: Listener<ModelEvents, K>): void;
  /**
   * Resolves when the model can run; rejects with the load's FerryError. After WORKER_CRASHED
   * (the worker died while loading), calling it again loads the model in a new worker.
   */
  ready(): Promise<ModelInfo>;
  /**
   * Runs the model; waits for `ready()` first. Rejects with a FerryError (MODEL_DISPOSED,
   * INVALID_INPUT, WORKER_CRASHED when the worker dies under the call: the next call starts a
   * new worker and loads the same version there from the verified cache, …).
   */
  run(input: RunInput, options?: RunOptions): Promise<RunResult>;
  /**
   * Times `iterations` bare inferences of `input` inside the worker (the session's own `run`, no
   * messaging, no pre- or post-processing): compare with `run()`'s round trip to see what the
   * worker boundary costs. Milliseconds per inference.
   */
  measure(input: RunInput, iterations?: number): Promise<number[]>;
  /**
   * The bytes of one of the bundle's files (samples, a vocabulary, …), from the verified cache and
   * checked against the signed manifest again. Rejects with INVALID_INPUT for a path the bundle lacks.
   */
  file(path: string): Promise<Uint8Array>;
  /** Frees the model in the worker; idempotent. */
  dispose(): Promise<void>;
}

/**
 * Starts loading `request` in the worker and returns its handle. When the worker dies, the next
 * call loads the same version again in the new worker (from the verified cache) before it runs.
 */
export function createModelHandle(
  connection: Connection,
  options: { id: string; request: ModelRequest },
): FerryModel {
  const { id, request } = options;
  const events = createEmitter<ModelEvents>();
  let state: ModelState = 'loading';
  let info: ModelInfo | undefined;
  // The worker generation this model is loaded in (see Connection.generation).
  let loadedOn = -1;
  // The last load failed because the worker died: the next call loads again.
  let loadCrashed = false;

  const onEvent = proxy((event: WorkerEvent) => {
    if (event.type === 'progress') return events.emit('progress', event.progress);
    if (event.type === 'error') return events.emit('error', deserializeFerryError(event.error));
    // Switches and re-assignments after the load: the handle's info follows them.
    if (event.info && state !== 'disposed' && info) info = event.info;
    if (event.type === 'assignment') return events.emit('assignment', event.info.assignment);
    events.emit('versionChanged', event.change);
    if (event.info) events.emit('assignment', event.info.assignment);
  });

  function startLoad(): Promise<ModelInfo> {
    state = 'loading';
    loadCrashed = false;
    const attempt = connection
      .call(async (api, generation) => {
        const loaded = await api.load(id, request, onEvent);
        loadedOn = generation;
        return loaded;
      })
      .then(
        (loaded) => {
          if (state === 'disposed')
            throw new FerryError(ErrorCode.MODEL_DISPOSED, `${request.name}: disposed`);
          state = 'ready';
          info = loaded;
          if (loaded.fallbackFrom) {
            const { code, message } = loaded.fallbackFrom;
            events.emit(
              'error',
              new FerryError(code, `${message} (running ${loaded.version}, the last good version)`),
            );
          }
          events.emit('ready', loaded);
          return loaded;
        },
        (error: unknown) => {
          const ferryError = asFerryError(error);
          loadCrashed = ferryError.code === ErrorCode.WORKER_CRASHED;
          if (state !== 'disposed') state = 'error';
          events.emit('error', ferryError);
          throw ferryError;
        },
      );
    attempt.catch(() => undefined); // reported through ready(), run() and the error event
    return attempt;
  }

  let loading = startLoad();

  /**
   * The loaded model's info. A load the worker died under has rejected its callers with
   * WORKER_CRASHED; the next caller starts it again, in a new worker.
   */
  function settled(): Promise<ModelInfo> {
    if (loadCrashed && state !== 'disposed') loading = startLoad();
    return loading;
  }

  /** Calls the worker once the model is loaded there; every failure comes out as a FerryError. */
  async function whenLoaded<T>(fn: (api: Remote<WorkerApi>, runs: RunChannel) => Promise<T>): Promise<T> {
    if (state === 'disposed') throw new FerryError(ErrorCode.MODEL_DISPOSED, `${request.name}: disposed`);
    const loaded = await settled();
    try {
      return await connection.call(async (api, generation, runs) => {
        if (generation !== loadedOn) {
          // A new worker after a crash: the same version again, verified from the cache (a model
          // following control asks control again, which assigns the same version).
          const following = !['no-control', 'exact-version'].includes(loaded.assignment.reason);
          const again = following ? request : { name: request.name, version: loaded.version };
          info = await api.load(id, again, onEvent);
          loadedOn = generation;
        }
        return fn(api, runs);
      });
    } catch (error) {
      throw asFerryError(error);
    }
  }

  /** Posts one run; what postMessage throws (an input it cannot clone) rejects as a FerryError. */
  function post(runs: RunChannel, input: RunInput, options: RunOptions | undefined): Promise<RunResult> {
    try {
      const plain = plainImage(input);
      return runs.run(id, plain, options?.transfer === false ? [] : transferablesOf(plain));
    } catch (error) {
      return Promise.reject(asFerryError(error));
    }
  }

  return {
    name: request.name,
    get state() {
      return state;
    },
    get info() {
      return info;
    },
    assignment: () => info?.assignment ?? null,
    on: (event, listener) => events.on(event, listener),
    off: (event, listener) => events.off(event, listener),
    ready: settled,
    // No default for the options: a `{}` per call is garbage on the page's main thread.
    run(input, runOptions) {
      // Loaded in the worker that runs now: post at once, with no promise chain in between.
      const live = state === 'ready' ? connection.live : undefined;
      if (live && live.generation === loadedOn) return post(live.runs, input, runOptions);
      return whenLoaded((_, runs) => post(runs, input, runOptions));
    },
    file(path) {
      return whenLoaded((api) => api.file(id, path));
    },
    measure(input, iterations = 20) {
      return whenLoaded((api) => api.measure(id, plainImage(input), iterations));
    },
    async dispose() {
      if (state === 'disposed') return;
      state = 'disposed';
      // A model of a worker that is gone (or was never loaded in the current one) holds nothing.
      if (connection.state !== 'running' || connection.generation !== loadedOn) return;
      await connection
        .call((api) => api.dispose(id))
        .catch((error: unknown) => {
          throw asFerryError(error);
        });
    },
  };
}
