import type { OpenedCache } from './cache/open-cache.ts';
import { NO_CONTROL, type Assignment } from './control/assignment.ts';
import { loadBundle } from './loader/load-bundle.ts';
import type { SharedDownloads } from './loader/shared-downloads.ts';
import type { ModelRequest } from './loader/manifest.ts';
import { placementOf, type Engine } from './runtime/engine.ts';
import { createOrtEngine } from './runtime/ort-engine.ts';
import { currentThreads, loadOrtRuntime, type OrtRuntime } from './runtime/ort-runtime.ts';
import { createTransformersEngine } from './runtime/transformers-engine.ts';
import { loseWebGpuAdapter } from './runtime/webgpu-probe.ts';
import type { LoadProgress, ModelInfo, VersionChange } from './types.ts';
import type { WorkerConfig } from './worker-config.ts';

/** What loading needs from the worker. */
export interface LoadContext {
  config: WorkerConfig;
  opened: OpenedCache;
  fetch: typeof fetch;
  /** The worker's downloads in flight: concurrent loads of the same blob share one request. */
  downloads: SharedDownloads;
  onProgress: (progress: LoadProgress) => void;
  onVersionChange: (change: VersionChange) => void;
}

const TEXT_TASKS = new Set(['text-classification', 'feature-extraction']);

/**
 * Loads one model end to end: the verified bundle (loader/), onnxruntime-web (once per worker),
 * then an engine (transformers.js for text tasks, an ORT session otherwise), and describes the
 * result as {@link ModelInfo}. `assignment`: what control decided (`request` then names its version).
 */
export async function loadModel(
  context: LoadContext,
  request: ModelRequest,
  assignment: Assignment = NO_CONTROL,
): Promise<{ engine: Engine; info: ModelInfo; runtime: OrtRuntime }> {
  const { config, opened } = context;
  const started = performance.now();
  const bundle = await loadBundle({
    request,
    serverUrl: config.serverUrl,
    key: { publicKey: config.publicKey, ...(config.keyid ? { keyid: config.keyid } : {}) },
    cache: opened.cache,
    fetch: context.fetch,
    downloads: context.downloads,
    origin: self.location.origin,
    onProgress: context.onProgress,
    onVersionChange: context.onVersionChange,
  });
  const runtime = await loadOrtRuntime({
    preference: config.backend,
    numThreads: config.numThreads,
    assetsUrl: config.assetsUrl,
  });
  if (config.testHooks.loseWebGpuAdapter) loseWebGpuAdapter();
  const create = TEXT_TASKS.has(bundle.manifest.task) ? createTransformersEngine : createOrtEngine;
  const engine = await create(bundle, runtime, config.backend);
  const warning = [opened.warning, bundle.cache.warning].filter(Boolean).join('; ');
  const info: ModelInfo = {
    name: bundle.manifest.name,
    version: bundle.manifest.version,
    task: bundle.manifest.task,
    runtime: engine.runtime,
    ...placementOf(engine),
    threads: currentThreads(runtime),
    ...(runtime.threadsReason ? { threadsReason: runtime.threadsReason } : {}),
    fromCache: bundle.fromCache,
    bytesDownloaded: bundle.bytesDownloaded,
    offline: bundle.offline,
    ...(bundle.fallbackFrom ? { fallbackFrom: bundle.fallbackFrom } : {}),
    cache: { persisted: bundle.cache.persisted && !opened.warning, ...(warning ? { warning } : {}) },
    manifest: bundle.manifest,
    loadMs: performance.now() - started,
    assignment,
  };
  return { engine, info, runtime };
}
