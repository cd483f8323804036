import type { PublishedManifest } from '$shared/schemas/manifest.ts';
import type { OpenedCache } from './cache/open-cache.ts';
import { NO_CONTROL, type Assignment } from './control/assignment.ts';
import type { ModelRecord } from './cache/types.ts';
import { deliverySettings } from './loader/delivered-files.ts';
import {
  loadBundle,
  loadFromCache,
  unverifiedTask,
  type CachedLoadedBundle,
  type LoadBundleOptions,
  type LoadedBundle,
} from './loader/load-bundle.ts';
import type { SharedDownloads } from './loader/shared-downloads.ts';
import type { ModelRequest } from './loader/manifest.ts';
import type { AdapterProbe } from './runtime/backend.ts';
import { createWithFallback } from './runtime/compiled-fallback.ts';
import { placementOf, type Engine } from './runtime/engine.ts';
import { createOrtEngine } from './runtime/ort-engine.ts';
import { currentThreads, loadOrtRuntime, type OrtRuntime } from './runtime/ort-runtime.ts';
import { createTransformersEngine } from './runtime/transformers-engine.ts';
import { loadTransformers } from './runtime/transformers-env.ts';
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
  /** The worker's WebGPU probe, remembered on the device (see runtime/webgpu-memo.ts). */
  probe?: { probe(): Promise<AdapterProbe>; forget(): Promise<void> };
}

/** A loaded model: its engine, what the page is told about it, and the runtime it runs on. */
export interface LoadedModel {
  engine: Engine;
  info: ModelInfo;
  runtime: OrtRuntime;
}

const TEXT_TASKS = new Set(['text-classification', 'feature-extraction']);

/**
 * onnxruntime-web for this worker, loaded and initialised once (WebGPU probe, build import, WASM
 * backend start). Loads call it first, so that all of it overlaps control, the manifest's
 * verification and the files (issue 9, point 6), cold or warm.
 */
export function prepareRuntime(context: Pick<LoadContext, 'config' | 'probe'>): Promise<OrtRuntime> {
  const { config, probe } = context;
  const runtime = loadOrtRuntime({
    preference: config.backend,
    numThreads: config.numThreads,
    assetsUrl: config.assetsUrl,
    ...(probe ? { probe: () => probe.probe(), webGpuFailed: () => void probe.forget() } : {}),
  });
  runtime.catch(() => undefined); // reported where it is awaited
  return runtime;
}

/** Starts importing transformers.js (once per worker) when a model of `task` needs it. */
function prepareEngine(task: unknown, runtime: Promise<OrtRuntime>): void {
  if (typeof task === 'string' && TEXT_TASKS.has(task)) {
    void runtime.then(loadTransformers).catch(() => undefined);
  }
}

/**
 * Starts importing transformers.js (and onnxruntime) when the cached manifest of the version
 * `request` names or last resolved to has a text task: a load calls it with the cache record it
 * reads first, before control or any verification, so that the import overlaps them. The task is
 * a hint (see unverifiedTask): it only decides whether our own bundled code is imported early.
 */
export function prepareEngineFromCache(
  context: Pick<LoadContext, 'config' | 'probe'>,
  record: ModelRecord | undefined,
  request: ModelRequest,
): void {
  prepareEngine(unverifiedTask(record, request), prepareRuntime(context));
}

/** Starts importing transformers.js as soon as a verified manifest says the model needs it. */
function preparingEngine(runtime: Promise<OrtRuntime>) {
  return (manifest: PublishedManifest) => prepareEngine(manifest.task, runtime);
}

function bundleOptions(
  context: LoadContext,
  request: ModelRequest,
  runtime: Promise<OrtRuntime>,
): LoadBundleOptions {
  const { config, opened } = context;
  return {
    request,
    serverUrl: config.serverUrl,
    key: { publicKey: config.publicKey, ...(config.keyid ? { keyid: config.keyid } : {}) },
    cache: opened.cache,
    fetch: context.fetch,
    delivery: deliverySettings(config),
    downloads: context.downloads,
    origin: self.location.origin,
    onProgress: context.onProgress,
    onVersionChange: context.onVersionChange,
    onManifest: preparingEngine(runtime),
  };
}

/**
 * Loads one model end to end: the verified bundle (loader/), onnxruntime-web (once per worker,
 * started before the bundle), then an engine (transformers.js for text tasks, an ORT session
 * otherwise), and describes the result as {@link ModelInfo}. `assignment`: what control decided
 * (`request` then names its version). `envelope`: the manifest, fetched already (see loadBundle).
 */
export async function loadModel(
  context: LoadContext,
  request: ModelRequest,
  options: { assignment?: Assignment; envelope?: Promise<unknown> } = {},
): Promise<LoadedModel> {
  const started = performance.now();
  const runtime = prepareRuntime(context);
  const bundle = await loadBundle({
    ...bundleOptions(context, request, runtime),
    ...(options.envelope ? { envelope: options.envelope } : {}),
  });
  return engineFor(context, { bundle, runtime: await runtime, started }, options.assignment);
}

/** An exact version being read and verified from the cache alone: see {@link readCachedBundle}. */
export interface CachedBundle {
  version: string;
  /** Undefined when the cache cannot serve the version alone (see loadFromCache). */
  bundle: Promise<CachedLoadedBundle | undefined>;
  started: number;
}

/**
 * Starts reading an exact version from the verified cache alone, asking the network nothing (see
 * loadFromCache), and onnxruntime if it has not started. Nothing of it runs before
 * {@link modelFromCache} makes it a model, which a caller may never do (a read started before
 * control assigned a version, for the version control then did not assign).
 */
export function readCachedBundle(
  context: LoadContext,
  request: ModelRequest & { version: string },
  record?: Promise<ModelRecord | undefined>,
): CachedBundle {
  const started = performance.now();
  const runtime = prepareRuntime(context);
  // The cached manifest's task, before it is verified: on a warm load the transformers.js import
  // then overlaps onnxruntime's WASM and the checks, as in plain transformers.js, instead of
  // following them. It only decides whether our own bundled code is imported early; nothing of
  // the model is used before its manifest and files verify.
  const onUnverifiedTask = (task: unknown) => prepareEngine(task, runtime);
  const bundle = loadFromCache({
    ...bundleOptions(context, request, runtime),
    request,
    onUnverifiedTask,
    ...(record ? { record } : {}),
  });
  // Both reject where modelFromCache and engineFor await them.
  bundle.then((read) => read?.cache).catch(() => undefined);
  return { version: request.version, bundle, started };
}

/** The model of a {@link readCachedBundle} read; undefined when the cache could not serve it. */
export async function modelFromCache(
  context: LoadContext,
  cached: CachedBundle,
  assignment: Assignment,
): Promise<LoadedModel | undefined> {
  const bundle = await cached.bundle;
  if (!bundle) return undefined;
  const runtime = await prepareRuntime(context);
  return engineFor(context, { bundle, runtime, started: cached.started }, assignment);
}

async function engineFor(
  context: LoadContext,
  loaded: { bundle: LoadedBundle | CachedLoadedBundle; runtime: OrtRuntime; started: number },
  assignment: Assignment = NO_CONTROL,
): Promise<LoadedModel> {
  const { config, opened } = context;
  const { bundle, runtime } = loaded;
  // A warm load's cache write (its last use) lands while the engine builds, not before it starts;
  // the load still reports only once it landed, and fails if it failed.
  const committed = Promise.resolve(bundle.cache);
  committed.catch(() => undefined); // rejects where it is awaited below
  // Only the JSEP build must wait: a WebGPU session may not start while the WASM backend still
  // initialises. A WASM session joins that initialisation itself, so transformers.js reads the
  // config and builds the tokenizer meanwhile, as plain transformers.js does while its wasm loads.
  if (runtime.build === 'webgpu') await runtime.warmedUp;
  if (config.testHooks.loseWebGpuAdapter) loseWebGpuAdapter();
  const create = TEXT_TASKS.has(bundle.manifest.task) ? createTransformersEngine : createOrtEngine;
  const { engine, original } = await createWithFallback(bundle, (files) =>
    create(files, runtime, config.backend),
  );
  // Original files in place of compiled forms were committed after the load's own commit.
  const downloaded = original?.bytesDownloaded ?? 0;
  let cache: ModelInfo['cache'];
  try {
    cache = original?.cache ?? (await committed);
  } catch (error) {
    await engine.dispose().catch(() => undefined); // the commit's error is the one to report
    throw error;
  }
  const warning = [opened.warning, cache.warning].filter(Boolean).join('; ');
  const info: ModelInfo = {
    name: bundle.manifest.name,
    version: bundle.manifest.version,
    task: bundle.manifest.task,
    runtime: engine.runtime,
    ...placementOf(engine),
    threads: currentThreads(runtime),
    ...(runtime.threadsReason ? { threadsReason: runtime.threadsReason } : {}),
    compiled: engine.compiled,
    fromCache: bundle.fromCache && downloaded === 0,
    bytesDownloaded: bundle.bytesDownloaded + downloaded,
    offline: bundle.offline,
    ...(bundle.fallbackFrom ? { fallbackFrom: bundle.fallbackFrom } : {}),
    cache: { persisted: cache.persisted && !opened.warning, ...(warning ? { warning } : {}) },
    manifest: bundle.manifest,
    loadMs: performance.now() - loaded.started,
    assignment,
  };
  return { engine, info, runtime };
}
