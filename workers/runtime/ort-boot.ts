import type { BackendPreference } from '../types.ts';
import { engineHint } from './engine-hint.ts';
import { loadOrtRuntime, type Ort } from './ort-runtime.ts';
import { loadTransformers } from './transformers-env.ts';
import { openProbeMemo, type ProbeMemo } from './webgpu-memo.ts';

/**
 * The client's settings that onnxruntime-web's start depends on, posted to a new worker ahead
 * of `init` (client.ts), so that the worker starts onnxruntime as its first act instead of after
 * its main module loaded and `init` ran (issue 9, point 6).
 */
export interface RuntimeBoot {
  backend: BackendPreference;
  cache: 'indexeddb' | 'memory';
  numThreads?: number;
  assetsUrl?: string;
}

/** The message that carries {@link RuntimeBoot}: the worker's own, not comlink's. */
export interface BootMessage {
  ferryBoot: RuntimeBoot;
}

/** Whether `data` is a {@link BootMessage} (its settings are checked by {@link bootRuntime}). */
export function isBootMessage(data: unknown): data is BootMessage {
  return typeof data === 'object' && data !== null && 'ferryBoot' in data;
}

let booted: { boot: RuntimeBoot; probe: ProbeMemo } | undefined;

/** Settings `init` would accept, as it checks them (worker-config.ts); anything else starts nothing. */
function valid(boot: RuntimeBoot): boolean {
  const { backend, cache, numThreads, assetsUrl } = boot;
  return (
    ['auto', 'wasm', 'webgpu'].includes(backend) &&
    ['indexeddb', 'memory'].includes(cache) &&
    (numThreads === undefined || (Number.isInteger(numThreads) && numThreads >= 1)) &&
    (assetsUrl === undefined || (typeof assetsUrl === 'string' && URL.canParse(assetsUrl)))
  );
}

/**
 * Starts onnxruntime-web (once per worker, see loadOrtRuntime) with the boot settings, unless
 * they are malformed: `init` then refuses them with INVALID_INPUT, and nothing has started.
 * Never throws: a runtime that fails is reported where a load awaits it.
 */
export function bootRuntime(boot: RuntimeBoot): void {
  if (booted || !valid(boot)) return;
  const probe = openProbeMemo(boot.cache);
  booted = { boot, probe };
  // The engine this device's last load ran on (a hint, see engine-hint.ts), read while
  // onnxruntime's script loads: transformers.js is then imported as plain transformers.js imports
  // it, first, instead of once a load read the model's cache record.
  const textEngine = engineHint(boot.cache).textEngine();
  const beforeWarmUp = async (ort: Ort) => {
    if (await textEngine) await loadTransformers({ ort });
  };
  loadOrtRuntime({
    beforeWarmUp,
    preference: boot.backend,
    ...(boot.numThreads === undefined ? {} : { numThreads: boot.numThreads }),
    ...(boot.assetsUrl === undefined ? {} : { assetsUrl: boot.assetsUrl }),
    probe: () => probe.probe(),
    webGpuFailed: () => void probe.forget(),
  }).catch(() => undefined);
}

/**
 * The WebGPU probe memo the boot started with, when `init`'s settings are the boot's (so the
 * runtime it started is the one `init` asks for); undefined otherwise.
 */
export function bootedProbe(settings: RuntimeBoot): ProbeMemo | undefined {
  if (!booted) return undefined;
  const { boot, probe } = booted;
  const same =
    boot.backend === settings.backend &&
    boot.cache === settings.cache &&
    boot.numThreads === settings.numThreads &&
    boot.assetsUrl === settings.assetsUrl;
  return same ? probe : undefined;
}
