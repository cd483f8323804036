import { ErrorCode, FerryError } from '$shared/errors.ts';
import { connect } from './client/connection.ts';
import {
  createModelHandle,
  type FerryModel,
  type ModelEvents,
  type RunOptions,
} from './client/model-handle.ts';
import { registerFerryErrorTransfer } from './errors-transfer.ts';
import type { BootMessage } from './runtime/ort-boot.ts';
import type { TelemetryOptions } from './telemetry/config.ts';
import { onPageHide } from './telemetry/page-hide.ts';
import type { BackendPreference, FerryStatus } from './types.ts';

/** Options of {@link createFerryClient}. */
export interface FerryClientOptions {
  /** The Ferry server, e.g. `https://models.example.com` (CORS must list your origin). */
  serverUrl: string;
  /** The server's Ed25519 public key (base64, from `/.well-known/ferry.json`), pinned in your app. */
  publicKey: string;
  /** Its key id, as a second pin (hex sha256 of the key). */
  keyid?: string;
  /** `indexeddb` (default): survives reloads and works offline. `memory`: this page only. */
  cache?: 'indexeddb' | 'memory';
  /** Bytes of models kept before least recently used versions go (default 512 MiB). */
  cacheBudgetBytes?: number;
  /** Ask the browser not to evict Ferry's storage under pressure (`navigator.storage.persist()`). */
  persist?: boolean;
  /** `auto` (default): WebGPU on a hardware adapter, else WASM. `webgpu` accepts software adapters. */
  backend?: BackendPreference;
  /**
   * WASM threads; default onnxruntime-web's own, half the cores up to 4, when cross-origin isolated
   * (always 1 otherwise). More make a large model faster but each spins a core for a while after
   * every run (see workers/README.md).
   */
  numThreads?: number;
  /** Folder serving onnxruntime-web's `.wasm` files; default: the ones bundled beside the worker. */
  assetsUrl?: string;
  /**
   * Load the compiled form of a model's ONNX files when the server made one and the model runs on
   * WASM (default true): onnxruntime's own format, optimised at publish, which starts faster.
   * `false` loads the original files (debugging, comparisons); `info.compiled` says which ran.
   */
  compiledModels?: boolean;
  /** Makes the worker; default `new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' })`. */
  worker?: () => Worker;
  /**
   * For tests only. `loseWebGpuAdapter`: after the worker's WebGPU probe, `requestAdapter()` returns
   * null (as after a GPU crash), so onnxruntime-web's WebGPU session creation fails for real and
   * the fallback to WASM runs. `runSlot: false`: every run() goes by postMessage, never through
   * the shared-memory slot a cross-origin isolated page uses for a run that fits (see
   * workers/README.md), to compare the two paths.
   */
  testHooks?: { loseWebGpuAdapter?: boolean; runSlot?: boolean };
  /**
   * Aggregated, anonymous telemetry per model version (on by default; see the README for what is
   * collected and what never is). `false`: none at all, not even a queue, until
   * {@link FerryClient.setTelemetry} turns it on.
   */
  telemetry?: TelemetryOptions | false;
  /**
   * Rollout control (on by default): a model requested by channel runs the version its signed
   * control document assigns this device; see {@link ControlOptions}. `false`: ignore control
   * documents and run what the channel resolves to, as before control existed.
   */
  control?: ControlOptions | false;
}

/**
 * Settings of rollout control. Targeting facts (these and what the worker reads: WebGPU,
 * deviceMemory, cores, isolation) are evaluated on the device and never sent anywhere.
 */
export interface ControlOptions {
  /** The host app's version, for rollouts targeted at a semver range of app versions. */
  appVersion?: string;
  /** BCP 47 locale for locale targeting (default: `navigator.language`). */
  locale?: string;
  /** Custom targeting attributes (plan, cohort, …). */
  attributes?: Record<string, string | number | boolean>;
  /**
   * When the control document expires and no fresh one can be had: `keep-last` (default) keeps
   * running the last good assignment; `stop` makes runs fail with METADATA_EXPIRED until one arrives.
   */
  onExpired?: 'keep-last' | 'stop';
  /** How often to poll for control changes when server-sent events are blocked (default 60,000 ms, ±50%). */
  pollIntervalMs?: number;
}

/** Which version of a model to load: an exact `version`, or a `channel` (default `latest`). */
export interface ModelSelector {
  version?: string;
  channel?: string;
}

/** A connection to one Ferry worker. */
export interface FerryClient {
  /** Starts loading `name` and returns its handle at once (listen for `progress`, await `ready()`). */
  model(name: string, selector?: ModelSelector): FerryModel;
  /** The worker, runtime, models, cache and telemetry as they are now. */
  status(): Promise<FerryStatus>;
  /** Queues what telemetry counted so far as batches and starts sending them (resolves once queued). */
  flushTelemetry(): Promise<void>;
  /**
   * Consent at run time. `true` turns telemetry on with the options the client was created with
   * (or the defaults, or the last ones given here); options turn it on with those. `false`
   * withdraws consent: what was not sent yet (runs counted, batches queued on this device, earlier
   * pages' included) is deleted, and no telemetry request starts after this resolves, as with
   * `telemetry: false` (one already under way finishes). A client that crashes and restarts keeps
   * the setting. Rejects with INVALID_INPUT naming a bad option (`telemetry.flushRuns`).
   *
   * @example
   * const client = createFerryClient({ serverUrl, publicKey, telemetry: false });
   * banner.onAccept = () => client.setTelemetry(true);
   * banner.onWithdraw = () => client.setTelemetry(false);
   */
  setTelemetry(setting: boolean | TelemetryOptions): Promise<void>;
  /**
   * Runs from now on are not counted (nor their failures, nor loads) until
   * {@link FerryClient.resumeTelemetry}: e.g. warm-up or self-test runs on made-up inputs, which
   * would skew drift statistics. What was counted before is still sent; consent is untouched
   * (a client with telemetry off stays off, and one turned on later starts paused).
   *
   * @example
   * client.pauseTelemetry();
   * await model.run(warmUpInput);
   * client.resumeTelemetry();
   */
  pauseTelemetry(): Promise<void>;
  /** Counts runs again after {@link FerryClient.pauseTelemetry}. */
  resumeTelemetry(): Promise<void>;
  /** Stops the worker; every model is disposed. */
  terminate(): void;
}

const DEFAULT_BUDGET = 512 * 1024 * 1024;

/**
 * Creates a Ferry client: a Web Worker that loads signed, verified, cached model bundles and runs
 * them with onnxruntime-web (WebGPU or WASM) or transformers.js, off the main thread.
 *
 * @example
 * const client = createFerryClient({ serverUrl: 'https://ferry.example.com', publicKey });
 * const digits = client.model('digits');
 * digits.on('progress', (p) => (bar.value = p.fraction));
 * const info = await digits.ready(); // { version, backend: 'wasm', threads: 4, fromCache, … }
 * const { scores } = await digits.run({ image: ctx.getImageData(0, 0, 280, 280) });
 */
export function createFerryClient(options: FerryClientOptions): FerryClient {
  if (!options.serverUrl) throw new FerryError(ErrorCode.INVALID_INPUT, 'serverUrl: required');
  if (!options.publicKey) throw new FerryError(ErrorCode.INVALID_INPUT, 'publicKey: required');
  registerFerryErrorTransfer();
  // What onnxruntime's start depends on: posted ahead of init too (see createWorker).
  const runtime: BootMessage['ferryBoot'] = {
    backend: options.backend ?? 'auto',
    cache: options.cache ?? 'indexeddb',
    ...(options.numThreads === undefined ? {} : { numThreads: options.numThreads }),
    ...(options.assetsUrl ? { assetsUrl: new URL(options.assetsUrl, globalThis.location?.href).href } : {}),
  };
  const boot: BootMessage = { ferryBoot: runtime };
  // Consent as it stands now, so that a worker restarted after a crash gets it too.
  let telemetry: TelemetryOptions | false = options.telemetry ?? {};
  let consented: TelemetryOptions = options.telemetry || {};
  let telemetryPaused = false;
  const createWorker = () => {
    const worker = options.worker
      ? options.worker()
      : new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: 'ferry' });
    // Ahead of init: the worker starts onnxruntime with these before its main module has loaded.
    worker.postMessage(boot);
    return worker;
  };
  // Each worker, the first and any started after a crash, gets the same settings.
  const connection = connect(
    createWorker,
    async (api, lifeLock) => {
      const init = api.init({
        lifeLock,
        serverUrl: new URL(options.serverUrl, globalThis.location?.href).href,
        publicKey: options.publicKey,
        ...(options.keyid ? { keyid: options.keyid } : {}),
        ...runtime,
        cacheBudgetBytes: options.cacheBudgetBytes ?? DEFAULT_BUDGET,
        ...(options.compiledModels === undefined ? {} : { compiledModels: options.compiledModels }),
        testHooks: options.testHooks ?? {},
        telemetry,
        ...(options.control === undefined ? {} : { control: options.control }),
      });
      // Posted right behind init, ahead of any run: see Connection.call.
      await Promise.all([init, telemetryPaused && api.pauseTelemetry(true)]);
    },
    // A bad testHooks.runSlot is refused by init (worker-config.ts) before any run.
    options.testHooks?.runSlot === false ? { slot: false } : {},
  );
  const initialized = connection.call(async () => undefined);
  const persisted = options.persist ? requestPersistence() : Promise.resolve(null);
  const models: FerryModel[] = [];
  let nextId = 0;
  const flushTelemetry = async () => {
    await initialized;
    await connection.call((api) => api.flushTelemetry());
  };
  // The worker queues what it counted while the page can still run code; sending may finish later.
  const onHide = () => void flushTelemetry().catch(() => undefined);
  let stopListening = telemetry === false ? () => undefined : onPageHide(onHide);
  const pause = async (paused: boolean) => {
    telemetryPaused = paused;
    await connection.call((api) => api.pauseTelemetry(paused));
  };

  return {
    model(name, selector = {}) {
      const request = { name, ...selector };
      const model = createModelHandle(connection, { id: `${name}#${nextId++}`, request });
      models.push(model);
      return model;
    },
    async status() {
      const base = {
        crossOriginIsolated: globalThis.crossOriginIsolated === true,
        persisted: await persisted,
      };
      if (connection.state !== 'running') {
        const cache = {
          kind: options.cache ?? 'indexeddb',
          bytes: 0,
          budgetBytes: options.cacheBudgetBytes ?? DEFAULT_BUDGET,
        };
        return {
          ...base,
          worker: connection.state,
          runtime: null,
          models: [],
          cache,
          telemetry: { enabled: false as const },
        };
      }
      await initialized;
      const status = await connection.call((api) => api.status());
      return { ...status, ...base, crossOriginIsolated: status.crossOriginIsolated, worker: 'running' };
    },
    flushTelemetry,
    async setTelemetry(setting) {
      const next = setting === true ? consented : setting;
      // Posted at once (not behind `initialized`), so runs called after it see the new setting.
      await connection.call((api) => api.setTelemetry(next));
      telemetry = next;
      if (next) consented = next;
      stopListening();
      stopListening = next === false ? () => undefined : onPageHide(onHide);
    },
    pauseTelemetry: () => pause(true),
    resumeTelemetry: () => pause(false),
    terminate() {
      stopListening();
      connection.terminate();
      // The worker is gone, so this only marks each model disposed (no message is sent).
      for (const model of models) void model.dispose();
    },
  };
}

async function requestPersistence(): Promise<boolean | null> {
  try {
    // persist() exists on Window only, which this module's WebWorker typings do not describe.
    const storage = navigator.storage as (StorageManager & { persist?: () => Promise<boolean> }) | undefined;
    return (await storage?.persist?.()) ?? null;
  } catch {
    return null; // persist() is a request the browser may refuse or not offer; null means unknown
  }
}

export type { FerryModel, ModelEvents, RunOptions };
export type { TelemetryOptions };
export type { TelemetryStatus } from './telemetry/telemetry.ts';
export type {
  Assignment,
  AssignmentReason,
  Backend,
  BackendPreference,
  ChangeReason,
  FerryStatus,
  ImageDataLike,
  ImageInput,
  LoadProgress,
  ModelInfo,
  ModelState,
  RunInput,
  RunResult,
  Score,
  TabularInput,
  TensorArray,
  TensorInput,
  TensorInputs,
  TensorOutput,
  TextInput,
  VersionChange,
} from './types.ts';
export { ErrorCode, FerryError, isFerryError } from '$shared/errors.ts';
