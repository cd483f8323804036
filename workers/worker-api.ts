import { releaseProxy, transfer } from 'comlink';
import { ErrorCode, FerryError } from '$shared/errors.ts';
import { openCache, type OpenedCache } from './cache/open-cache.ts';
import { transferablesOf } from './client/transferables.ts';
import { asFerryError } from './errors-transfer.ts';
import { verifyFileBytes } from './integrity.ts';
import type { ModelRequest } from './loader/manifest.ts';
import { createSharedDownloads } from './loader/shared-downloads.ts';
import type { Engine } from './runtime/engine.ts';
import { currentThreads, type OrtRuntime } from './runtime/ort-runtime.ts';
import { holdLifeLock } from './life-lock.ts';
import { loadModel } from './load-model.ts';
import { startTelemetry } from './telemetry/start.ts';
import type { Telemetry } from './telemetry/telemetry.ts';
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

/** What the worker tells the page while a model loads. */
export type WorkerEvent =
  { type: 'progress'; progress: LoadProgress } | { type: 'versionChanged'; change: VersionChange };

interface Slot {
  request: ModelRequest;
  state: ModelState;
  engine?: Engine;
  info?: ModelInfo;
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
  const slots = new Map<string, Slot>();
  const downloads = createSharedDownloads();
  const fetchFn = deps.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => self.fetch(input, init));

  const configured = () => {
    if (!config || !opened)
      throw new FerryError(ErrorCode.MODEL_NOT_READY, 'worker: init() has not been called');
    return { config, opened };
  };

  function slotFor(id: string): Slot & { engine: Engine } {
    const slot = slots.get(id);
    if (!slot || slot.state === 'disposed')
      throw new FerryError(ErrorCode.MODEL_DISPOSED, `model ${id}: disposed`);
    if (!slot.engine)
      throw new FerryError(ErrorCode.MODEL_NOT_READY, `${slot.request.name}: not loaded (${slot.state})`);
    return slot as Slot & { engine: Engine };
  }

  async function load(
    id: string,
    request: ModelRequest,
    onEvent?: (event: WorkerEvent) => void,
  ): Promise<ModelInfo> {
    const { config: cfg, opened: cacheReady } = configured();
    const slot: Slot = { request, state: 'loading' };
    slots.set(id, slot);
    // A page that stopped listening must not fail the load: events are best effort.
    const emit = (event: WorkerEvent) => void Promise.resolve(onEvent?.(event)).catch(() => undefined);
    try {
      const loaded = await loadModel(
        {
          config: cfg,
          opened: await cacheReady,
          fetch: fetchFn,
          downloads,
          onProgress: (progress) => emit({ type: 'progress', progress }),
          onVersionChange: (change) => emit({ type: 'versionChanged', change }),
        },
        request,
      );
      const { engine, info } = loaded;
      runtime = loaded.runtime;
      if (slot.state === 'disposed') {
        await engine.dispose();
        throw new FerryError(ErrorCode.MODEL_DISPOSED, `${request.name}: disposed while loading`);
      }
      Object.assign(slot, { engine, info, state: 'ready' });
      telemetry?.loaded(id, info, {
        crossOriginIsolated: self.crossOriginIsolated,
        webgpuAvailable: loaded.runtime.adapter.available,
      });
      return info;
    } catch (error) {
      if (slot.state !== 'disposed') slot.state = 'error';
      throw asFerryError(error);
    } finally {
      (onEvent as { [releaseProxy]?: () => void } | undefined)?.[releaseProxy]?.();
    }
  }

  return {
    /**
     * Configures the worker; must come first. Throws INVALID_INPUT naming a bad option. Resolves
     * once the worker holds `lifeLock` (see life-lock.ts), whose release tells the page it is gone.
     */
    async init(options: WorkerOptions & { lifeLock?: string }): Promise<void> {
      config = parseWorkerConfig(options);
      if (options.lifeLock !== undefined) await holdLifeLock(options.lifeLock);
      opened = openCache(config.cache, config.cacheBudgetBytes);
      telemetry?.stop();
      telemetry = startTelemetry(config, fetchFn);
    },
    load,
    /** Runs a loaded model; output buffers are transferred to the page. */
    async run(id: string, input: RunInput): Promise<RunResult> {
      try {
        const started = performance.now();
        const { inputs, tokens, ...result } = await slotFor(id).engine.run(input);
        const latencyMs = performance.now() - started;
        const seen = { ...(inputs ? { inputs } : {}), ...(tokens ? { tokens } : {}) };
        telemetry?.ran(id, { input, result: { ...result, ...seen }, latencyMs });
        return transfer({ ...result, latencyMs }, transferablesOf(result.outputs));
      } catch (error) {
        const ferryError = asFerryError(error, ErrorCode.INFERENCE_FAILED);
        telemetry?.failed(id, ferryError.code);
        throw ferryError;
      }
    },
    /** Seals what telemetry counted so far into the queue and starts sending (the page hides). */
    async flushTelemetry(): Promise<void> {
      await telemetry?.flush();
    },
    /** Benchmarks only: times bare `session.run` calls inside the worker, no messaging involved. */
    async measure(id: string, input: RunInput, iterations: number): Promise<number[]> {
      try {
        return await slotFor(id).engine.measure(input, iterations);
      } catch (error) {
        throw asFerryError(error, ErrorCode.INFERENCE_FAILED);
      }
    },
    /** A file of the loaded bundle (samples, labels, …), verified again, transferred to the page. */
    async file(id: string, path: string): Promise<Uint8Array> {
      try {
        const { info } = slotFor(id);
        const file = info?.manifest.files.find((f) => f.path === path);
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
      const engine = slot.engine;
      delete slot.engine;
      try {
        await engine?.dispose();
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
