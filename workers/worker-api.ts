import { releaseProxy, transfer } from 'comlink';
import { ErrorCode, FerryError, serializeFerryError, type SerializedFerryError } from '$shared/errors.ts';
import { openCache, type OpenedCache } from './cache/open-cache.ts';
import { transferablesOf } from './client/transferables.ts';
import { changeReason } from './control/assignment.ts';
import { createController, type ControlEvent, type Controller } from './control/controller.ts';
import { createEngineSlot, type EngineSlot } from './control/engine-swap.ts';
import { openStateStore } from './control/state-store.ts';
import { asFerryError } from './errors-transfer.ts';
import { verifyFileBytes } from './integrity.ts';
import { deliveredFiles, deliverySettings } from './loader/delivered-files.ts';
import { requestRef, type ModelRequest } from './loader/manifest.ts';
import { createSharedDownloads } from './loader/shared-downloads.ts';
import { currentThreads, type OrtRuntime } from './runtime/ort-runtime.ts';
import { engineHint } from './runtime/engine-hint.ts';
import { bootedProbe } from './runtime/ort-boot.ts';
import { openProbeMemo, type ProbeMemo } from './runtime/webgpu-memo.ts';
import { holdLifeLock } from './life-lock.ts';
import { loadModel, prepareEngineFromCache, prepareRuntime } from './load-model.ts';
import { assigned, loadCold, loadWarm, revalidate } from './load-paths.ts';
import { parseTelemetryOptions, type TelemetryOptions } from './telemetry/config.ts';
import { clearDeviceQueue } from './telemetry/queue.ts';
import { startTelemetry } from './telemetry/start.ts';
import type { RunRecordInput, Telemetry } from './telemetry/telemetry.ts';
import type { Engine, EngineResult } from './runtime/engine.ts';
import type {
  FerryStatus,
  LoadProgress,
  ModelInfo,
  ModelState,
  RunInput,
  RunResult,
  VersionChange,
} from './types.ts';
import { parseWorkerConfig, type WorkerConfig, type WorkerOptions } from './worker-config.ts';

/**
 * What the worker tells the page about a model, while it loads and afterwards: control switches
 * it (`versionChanged` with the new info), changes its assignment, or refuses a document (`error`,
 * not fatal: the last good assignment keeps serving).
 */
export type WorkerEvent =
  | { type: 'progress'; progress: LoadProgress }
  | { type: 'versionChanged'; change: VersionChange; info?: ModelInfo }
  | { type: 'assignment'; info: ModelInfo }
  | { type: 'error'; error: SerializedFerryError };

/** Where {@link createWorkerApi}'s `runThen` sends the outcome of a run of `request`. */
export interface RunAnswer<R> {
  reply(request: R, result: EngineResult, latencyMs: number): void;
  fail(request: R, error: FerryError): void;
}

interface Slot {
  request: ModelRequest;
  state: ModelState;
  engines?: EngineSlot;
  info?: ModelInfo;
  /** Why the model may not run now (its version blocked with nowhere to go, control expired). */
  halted?: FerryError;
  /** Tells the page; best effort (a page that stopped listening must not fail the worker). */
  emit: (event: WorkerEvent) => void;
  /** Stops following control and releases the page's listener. */
  release: () => void;
  /** Control switches of this model, one at a time. */
  switching: Promise<void>;
}

/**
 * The API the worker exposes over comlink. Every method rejects with a FerryError only (its code
 * crosses the boundary, see errors-transfer.ts); nothing else escapes.
 */
export function createWorkerApi(deps: { fetch?: typeof fetch } = {}) {
  let config: WorkerConfig | undefined;
  let opened: Promise<OpenedCache> | undefined;
  let runtime: OrtRuntime | undefined;
  let telemetry: Telemetry | undefined;
  /** client.pauseTelemetry(), kept apart from consent: telemetry started later starts paused. */
  let telemetryPaused = false;
  let control: Promise<Controller | undefined> = Promise.resolve(undefined);
  let probe: ProbeMemo | undefined;
  const slots = new Map<string, Slot>();
  const downloads = createSharedDownloads();
  const fetchFn = deps.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => self.fetch(input, init));

  const configured = () => {
    if (!config || !opened)
      throw new FerryError(ErrorCode.MODEL_NOT_READY, 'worker: init() has not been called');
    return { config, opened };
  };

  function slotFor(id: string): Slot & { engines: EngineSlot } {
    const slot = slots.get(id);
    if (!slot || slot.state === 'disposed')
      throw new FerryError(ErrorCode.MODEL_DISPOSED, `model ${id}: disposed`);
    if (!slot.engines)
      throw new FerryError(ErrorCode.MODEL_NOT_READY, `${slot.request.name}: not loaded (${slot.state})`);
    if (slot.halted) throw slot.halted;
    return slot as Slot & { engines: EngineSlot };
  }

  const loadContext = async (slot: Slot) => {
    const { config: cfg, opened: cacheReady } = configured();
    return {
      config: cfg,
      opened: await cacheReady,
      fetch: fetchFn,
      downloads,
      onProgress: (progress: LoadProgress) => slot.emit({ type: 'progress', progress }),
      onVersionChange: (change: VersionChange) => slot.emit({ type: 'versionChanged', change }),
      ...(probe ? { probe } : {}),
    };
  };

  /** Starts telemetry as `config` says, paused if asked, with every model loaded so far attached. */
  function restartTelemetry(settings: WorkerConfig, after?: Promise<unknown>): void {
    telemetry = startTelemetry(settings, fetchFn, after);
    telemetry?.pause(telemetryPaused);
    for (const [id, slot] of slots) {
      if (telemetry && runtime && slot.state === 'ready' && slot.info)
        telemetry.attach(id, slot.info, environment({ runtime }));
    }
  }

  const environment = (loaded: { runtime: OrtRuntime }) => ({
    crossOriginIsolated: self.crossOriginIsolated,
    webgpuAvailable: loaded.runtime.adapter.available,
  });

  /**
   * Applies a control event to a loaded model: a new assignment loads and verifies the assigned
   * version first (from the cache when it is there), then swaps engines between runs. A failed
   * switch leaves the running version serving and reports why.
   */
  async function applyControl(id: string, slot: Slot, event: ControlEvent): Promise<void> {
    if (slot.state === 'disposed' || !slot.info || !slot.engines) return;
    if (event.type !== 'document') {
      slot.emit({ type: 'error', error: serializeFerryError(event.error) });
      if (event.type === 'expired' && event.stop) slot.halted = event.error;
      return;
    }
    const { assignment, document } = event;
    const from = slot.info.version;
    if (assignment.version === null && assignment.reason !== 'blocked') {
      // No stable version any more (all yanked): the running one serves until the next load.
      slot.info = { ...slot.info, assignment };
      slot.emit({ type: 'assignment', info: slot.info });
      return;
    }
    if (assignment.version === null) {
      slot.info = { ...slot.info, assignment };
      slot.halted = new FerryError(
        ErrorCode.VERSION_BLOCKED,
        `${slot.request.name}@${from}: blocked, and no stable version may run instead`,
      );
      slot.emit({ type: 'assignment', info: slot.info });
      slot.emit({ type: 'error', error: serializeFerryError(slot.halted) });
      return;
    }
    if (assignment.version === from) {
      slot.info = { ...slot.info, assignment };
      delete slot.halted;
      slot.emit({ type: 'assignment', info: slot.info });
      return;
    }
    const target = assigned(slot.request, assignment.version);
    try {
      // This switch reports its own versionChanged, with the reason the document gives.
      const context = { ...(await loadContext(slot)), onVersionChange: () => undefined };
      const loaded = await loadModel(context, target, { assignment });
      // The model may have been disposed while the new version loaded.
      if ((slot.state as ModelState) === 'disposed' || !slot.engines) {
        return void (await loaded.engine.dispose());
      }
      runtime = loaded.runtime;
      const retired = slot.engines.replace(loaded.engine);
      slot.info = loaded.info;
      delete slot.halted;
      telemetry?.loaded(id, loaded.info, environment(loaded));
      const change = {
        name: target.name,
        from,
        to: assignment.version,
        reason: changeReason(document, from),
      };
      slot.emit({ type: 'versionChanged', change, info: loaded.info });
      await retired;
    } catch (error) {
      slot.emit({ type: 'error', error: serializeFerryError(asFerryError(error)) });
    }
  }

  async function load(
    id: string,
    request: ModelRequest,
    onEvent?: (event: WorkerEvent) => void,
  ): Promise<ModelInfo> {
    configured();
    const releaseListener = () =>
      (onEvent as { [releaseProxy]?: () => void } | undefined)?.[releaseProxy]?.();
    const slot: Slot = {
      request,
      state: 'loading',
      emit: (event) => void Promise.resolve(onEvent?.(event)).catch(() => undefined),
      release: releaseListener,
      switching: Promise.resolve(),
    };
    slots.set(id, slot);
    try {
      // onnxruntime starts now, alongside the cache, control and verification (issue 9, point 6).
      void prepareRuntime({ config: configured().config, ...(probe ? { probe } : {}) });
      const base = await loadContext(slot);
      // Read once for the load: the warm path verifies from this record instead of reading it again.
      const reading = base.opened.cache.record(request.name);
      const record = await reading;
      // transformers.js starts importing now for a text model cached before, not once control
      // and the cache answered (the task is a hint; see prepareEngineFromCache).
      prepareEngineFromCache(base, record, request);
      // A pinned stable may take two loads: report one change, from the last session's version.
      const before = request.version ? undefined : record?.channels[requestRef(request)];
      const context = { ...base, onVersionChange: () => undefined };
      const controller = await control;
      const likely = request.version ?? before;
      const warm = controller && (await loadWarm(controller, { request, likely, record: reading }, context));
      const { loaded, resolved } = warm || (await loadCold(controller, slot, context));
      const { engine, info } = loaded;
      if (before && before !== info.version) {
        const change = { name: request.name, from: before, to: info.version, reason: 'update' as const };
        slot.emit({ type: 'versionChanged', change });
      }
      runtime = loaded.runtime;
      if (slot.state === 'disposed') {
        await engine.dispose();
        throw new FerryError(ErrorCode.MODEL_DISPOSED, `${request.name}: disposed while loading`);
      }
      const engines = createEngineSlot(engine);
      Object.assign(slot, { engines, info, state: 'ready' });
      telemetry?.loaded(id, info, environment(loaded));
      void engineHint(configured().config.cache).remember(info.runtime === 'transformers');
      if (controller && resolved?.document) {
        const follow = () => {
          if (slot.state === 'disposed') return;
          const unfollow = controller.follow(request, (event) => {
            slot.switching = slot.switching.then(() => applyControl(id, slot, event));
          });
          slot.release = () => {
            unfollow();
            releaseListener();
          };
          // Nothing was asked of the network: check for news now, in the background (the feed
          // also sends the current document when it connects; an older or equal one is ignored).
          if (warm) void revalidate(slot, controller, context);
        };
        // A warm load asked the network nothing: the feed, the control route and the manifest
        // are asked once its first run answered, so that their requests and checks do not share
        // the worker's thread with that run (see afterFirstAnswer).
        if (warm) afterFirstAnswer(engines, follow);
        else follow();
      }
      return info;
    } catch (error) {
      if (slot.state !== 'disposed') slot.state = 'error';
      slot.release();
      throw asFerryError(error);
    }
  }

  // Handed to telemetry for each run and emptied after: recording allocates nothing per run.
  const ranRecord: { -readonly [K in keyof RunRecordInput]: RunRecordInput[K] | undefined } = {
    input: undefined,
    result: undefined,
    latencyMs: 0,
  };

  /**
   * Runs `request.model` on `request.input` and hands the engine's result and latency to
   * `answer.reply` (which posts it) before telemetry counts the run, so counting overlaps the
   * page's handling of the answer. A failed run is counted and its FerryError handed to
   * `answer.fail`, as is a reply that throws (not counted: the model ran). Both get `request`
   * back, so that a caller needs no closure per run. No async layers, and the engine is held
   * without `use`'s: run()'s hot path (issue 10, point 10).
   */
  function runThen<R extends { model: string; input: RunInput }>(request: R, answer: RunAnswer<R>): void {
    const { model: id, input } = request;
    let engines: EngineSlot;
    let engine: Engine;
    let running: Promise<EngineResult>;
    const started = performance.now();
    try {
      engines = slotFor(id).engines;
      engine = engines.acquire();
    } catch (error) {
      return answer.fail(request, failedRun(id, error));
    }
    try {
      running = engine.run(input);
    } catch (error) {
      running = Promise.reject(error as Error);
    }
    running.then(
      (result) => {
        const latencyMs = performance.now() - started;
        engines.release(engine);
        try {
          answer.reply(request, result, latencyMs);
        } catch (error) {
          return answer.fail(request, asFerryError(error));
        }
        if (!telemetry) return;
        ranRecord.input = input;
        ranRecord.result = result;
        ranRecord.latencyMs = latencyMs;
        telemetry.ran(id, ranRecord as RunRecordInput);
        ranRecord.input = undefined;
        ranRecord.result = undefined;
      },
      (error: unknown) => {
        engines.release(engine);
        answer.fail(request, failedRun(id, error));
      },
    );
  }

  /** A failed run's FerryError, counted by telemetry. */
  function failedRun(id: string, error: unknown): FerryError {
    const ferryError = asFerryError(error, ErrorCode.INFERENCE_FAILED);
    telemetry?.failed(id, ferryError.code);
    return ferryError;
  }

  return {
    /**
     * Configures the worker; must come first. Throws INVALID_INPUT naming a bad option. Resolves
     * once the worker holds `lifeLock` (see life-lock.ts), whose release tells the page it is gone.
     * Configured before its first await: a call the page posts right behind it (a load, without
     * waiting for this reply, see client/connection.ts) finds the worker configured.
     */
    async init(options: WorkerOptions & { lifeLock?: string }): Promise<void> {
      config = parseWorkerConfig(options);
      // The probe the worker's boot started onnxruntime with (worker.ts), when it had these settings.
      probe = bootedProbe(config) ?? openProbeMemo(config.cache);
      // onnxruntime starts with the worker, not with the first load: its build, WASM fetch and
      // compile are the longest chain of a warm load, and need nothing a load brings (issue 9).
      // The boot message has usually started it already (worker.ts); this is the same runtime.
      void prepareRuntime({ config, probe });
      opened = openCache(config.cache, config.cacheBudgetBytes);
      telemetry?.stop();
      restartTelemetry(config);
      void control.then((previous) => previous?.stop());
      control = startControl(config, fetchFn, probe);
      if (options.lifeLock !== undefined) await holdLifeLock(options.lifeLock);
    },
    load,
    /** The run channel's path (worker-main.ts): see runThen above. */
    runThen,
    /** Runs a loaded model; output buffers are transferred to the page (the comlink path). */
    run(id: string, input: RunInput): Promise<RunResult> {
      return new Promise((resolve, reject) =>
        runThen(
          { model: id, input },
          {
            reply(_, result, latencyMs) {
              const answer = runResultOf(result, latencyMs);
              resolve(transfer(answer, transferablesOf(answer.outputs)));
            },
            fail: (_, error) => reject(error),
          },
        ),
      );
    },
    /**
     * Consent changed (client.setTelemetry). Settings start telemetry, or restart it when they
     * differ (what the old counted is sealed into the queue, and sent by the new); `false` deletes
     * what was not sent (see Telemetry.discard; with none running, the device's queue). Switched
     * before the first await, so the runs posted behind this call see the new setting. Rejects
     * with INVALID_INPUT naming a bad setting, changing nothing.
     */
    async setTelemetry(setting: TelemetryOptions | false): Promise<void> {
      const current = configured().config;
      const settings = setting === false ? false : parseTelemetryOptions(setting);
      const previous = telemetry;
      if (previous && JSON.stringify(settings) === JSON.stringify(current.telemetry)) return;
      config = { ...current, telemetry: settings };
      if (settings === false) {
        telemetry = undefined;
        return previous ? previous.discard() : clearDeviceQueue();
      }
      const sealed = previous?.flush();
      previous?.stop();
      restartTelemetry(config, sealed);
      await sealed;
    },
    /** client.pauseTelemetry() and resumeTelemetry(): see Telemetry.pause. */
    pauseTelemetry(paused: boolean): void {
      telemetryPaused = paused;
      telemetry?.pause(paused);
    },
    /** Seals what telemetry counted so far into the queue and starts sending (the page hides). */
    async flushTelemetry(): Promise<void> {
      await telemetry?.flush();
    },
    /** Benchmarks only: times bare `session.run` calls inside the worker, no messaging involved. */
    async measure(id: string, input: RunInput, iterations: number): Promise<number[]> {
      try {
        return await slotFor(id).engines.use((engine) => engine.measure(input, iterations));
      } catch (error) {
        throw asFerryError(error, ErrorCode.INFERENCE_FAILED);
      }
    },
    /**
     * A file of the loaded bundle (samples, labels, …), verified again, transferred to the page:
     * as the load delivered it (an ONNX file the session runs compiled, in its compiled form).
     */
    async file(id: string, path: string): Promise<Uint8Array> {
      try {
        const { info } = slotFor(id);
        // The same files the load chose (deliveredFiles is pure), less compiled forms it gave up.
        const delivery = {
          ...deliverySettings(configured().config),
          compiledModels: info?.compiled === true,
        };
        const file = info && deliveredFiles(info.manifest, delivery).files.find((f) => f.path === path);
        if (!info || !file) {
          throw new FerryError(
            ErrorCode.INVALID_INPUT,
            `${path}: not a file of ${info?.name}@${info?.version}`,
            {
              details: { field: 'path' },
            },
          );
        }
        const { cache } = await configured().opened;
        const bytes = await cache.blob(file.sha256);
        if (!bytes) throw new FerryError(ErrorCode.BLOB_NOT_FOUND, `${path}: no longer in the cache`);
        await verifyFileBytes(bytes, file);
        const copy = bytes.slice();
        return transfer(copy, [copy.buffer]);
      } catch (error) {
        throw asFerryError(error);
      }
    },
    /** Releases the model's session; later runs fail with MODEL_DISPOSED. Idempotent. */
    async dispose(id: string): Promise<void> {
      const slot = slots.get(id);
      if (!slot || slot.state === 'disposed') return;
      slot.state = 'disposed';
      slot.release();
      const engines = slot.engines;
      delete slot.engines;
      try {
        await engines?.dispose();
      } catch (error) {
        throw asFerryError(error);
      }
    },
    /** A snapshot of the runtime, the models and the cache. */
    async status(): Promise<Omit<FerryStatus, 'worker' | 'persisted'>> {
      const { config: cfg, opened: cacheReady } = configured();
      const { cache, warning } = await cacheReady;
      return {
        crossOriginIsolated: self.crossOriginIsolated,
        runtime: runtime
          ? {
              build: runtime.build,
              threads: currentThreads(runtime),
              webgpuAdapter: runtime.adapter.description,
            }
          : null,
        telemetry: telemetry ? await telemetry.status() : { enabled: false },
        models: [...slots.values()].map((s) => ({
          name: s.request.name,
          version: s.info?.version ?? s.request.version ?? null,
          state: s.state,
          backend: s.info?.backend ?? null,
          ...(s.engines?.current.inference ? { inference: { ...s.engines.current.inference } } : {}),
        })),
        cache: {
          kind: cache.kind,
          bytes: await cache.usage(),
          budgetBytes: cfg.cacheBudgetBytes,
          ...(warning ? { warning } : {}),
        },
      };
    },
  };
}

/**
 * How long a warm load's background checks wait for a first run before they start anyway: news
 * (a rollback, a block) reaches a page that runs nothing this much later at most.
 */
const FIRST_RUN_WAIT_MS = 500;

/**
 * Calls `work` in a task of its own after the first run on `engines` answered, or after
 * {@link FIRST_RUN_WAIT_MS} without a run, whichever comes first; once either way.
 */
function afterFirstAnswer(engines: EngineSlot, work: () => void): void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const start = () => {
    if (timer === undefined) return;
    clearTimeout(timer);
    timer = undefined;
    work();
  };
  timer = setTimeout(start, FIRST_RUN_WAIT_MS);
  engines.afterFirstRun(() => void setTimeout(start, 0));
}

/** What run() resolves with: the engine's result without what stays in the worker (its inputs, tokens). */
function runResultOf({ outputs, scores, boxes }: EngineResult, latencyMs: number): RunResult {
  return { outputs, ...(scores ? { scores } : {}), ...(boxes ? { boxes } : {}), latencyMs };
}

/** The worker's rollout control, or undefined with `control: false`. Never rejects. */
async function startControl(
  config: WorkerConfig,
  fetchFn: typeof fetch,
  probe: ProbeMemo,
): Promise<Controller | undefined> {
  if (config.control === false) return undefined;
  const settings = config.control;
  return createController({
    serverUrl: config.serverUrl,
    key: { publicKey: config.publicKey, ...(config.keyid ? { keyid: config.keyid } : {}) },
    settings,
    store: await openStateStore(config.cache),
    fetch: fetchFn,
    probe: () => probe.probe(),
    ...(typeof EventSource === 'function' ? { openEventSource: (url: string) => new EventSource(url) } : {}),
  });
}
