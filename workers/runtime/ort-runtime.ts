import type * as OrtModule from 'onnxruntime-web';
import { chooseBuild, chooseThreads, type AdapterProbe, type OrtBuild } from './backend.ts';
import { warmUpWasm } from './ort-warm-up.ts';
import { probeWebGpu } from './webgpu-probe.ts';

/** The onnxruntime-web API (both builds share it). */
export type Ort = typeof OrtModule;

/** onnxruntime-web as loaded in this worker. */
export interface OrtRuntime {
  ort: Ort;
  build: OrtBuild;
  threads: number;
  threadsReason?: string;
  adapter: AdapterProbe;
  /** Called when a WebGPU session fails to start although the probe found an adapter. */
  webGpuFailed?: () => void;
  /**
   * Settles once the WASM backend started (see ort-warm-up.ts). Create WebGPU sessions after it:
   * onnxruntime-web refuses a second backend (`webgpu`) initialising while `wasm` does. A WASM
   * session may start before: it waits for the same initialisation.
   */
  warmedUp: Promise<void>;
}

/** How the worker wants onnxruntime-web set up. */
export interface OrtRuntimeOptions {
  preference: 'auto' | 'wasm' | 'webgpu';
  numThreads?: number;
  /** Folder holding the `.wasm` files; by default the bundler's own URL for them (our origin). */
  assetsUrl?: string;
  /** The WebGPU probe (default: ask the browser now); see webgpu-memo.ts for a remembered one. */
  probe?: () => Promise<AdapterProbe>;
  /** See {@link OrtRuntime.webGpuFailed}: e.g. forget a remembered probe. */
  webGpuFailed?: () => void;
  /**
   * Work to finish before the WASM backend starts (its failure is ignored), such as importing
   * transformers.js. Once its `.wasm` compiled, the backend's start holds the worker's thread for
   * one long synchronous stretch: traced on warm debian-sections reloads, a transformers.js import
   * requested before it could wait behind it for 100–900 ms, then build its pipeline only after.
   */
  beforeWarmUp?: (ort: Ort) => Promise<unknown>;
}

const WASM_FILE: Record<OrtBuild, string> = {
  wasm: 'ort-wasm-simd-threaded.wasm',
  webgpu: 'ort-wasm-simd-threaded.jsep.wasm',
};

// Separate dynamic imports so that a worker downloads exactly one build: the 14 MB WASM-only
// one, or the 28 MB JSEP one when WebGPU may be used. `?url` makes the bundler ship the .wasm
// beside our own chunks, so nothing is ever fetched from a CDN.
async function importBuild(build: OrtBuild): Promise<{ ort: Ort; wasmUrl: string }> {
  if (build === 'webgpu') {
    const [ort, wasm] = await Promise.all([
      import('onnxruntime-web'),
      import('onnxruntime-web/ort-wasm-simd-threaded.jsep.wasm?url'),
    ]);
    return { ort, wasmUrl: wasm.default };
  }
  const [ort, wasm] = await Promise.all([
    import('onnxruntime-web/wasm'),
    import('onnxruntime-web/ort-wasm-simd-threaded.wasm?url'),
  ]);
  return { ort, wasmUrl: wasm.default };
}

let loading: Promise<OrtRuntime> | undefined;

/**
 * The WASM threads sessions really get: read back from onnxruntime-web, which lowers its setting
 * to 1 itself where threads cannot work; what was asked for until it has one.
 */
export function currentThreads(runtime: OrtRuntime): number {
  return runtime.ort.env.wasm.numThreads ?? runtime.threads;
}

/**
 * Loads and configures onnxruntime-web once per worker (its thread count is fixed per realm
 * once the first session exists, so later calls get the same runtime whatever they pass), and
 * starts its WASM backend without waiting for it (see {@link OrtRuntime.warmedUp}), so a load can
 * call this before it verifies anything and overlap the two (issue 9, point 6).
 */
export function loadOrtRuntime(options: OrtRuntimeOptions): Promise<OrtRuntime> {
  loading ??= (async () => {
    const probe = options.probe ?? probeWebGpu;
    const probed = options.preference === 'wasm' ? noProbe() : probe();
    // The WASM build's script is fetched while the probe answers (an IndexedDB read when
    // remembered), not after it: it is what most devices run, and its fetch heads the warm load's
    // longest chain. Where the probe picks JSEP instead, that ~70 kB script went unused.
    const wasmBuild = options.preference === 'webgpu' ? undefined : importBuild('wasm');
    wasmBuild?.catch(() => undefined); // awaited below when it is the build
    const adapter = await probed;
    const build = chooseBuild(options.preference, adapter);
    const { ort, wasmUrl } = await (build === 'wasm' && wasmBuild ? wasmBuild : importBuild(build));
    const choice = chooseThreads({
      crossOriginIsolated: self.crossOriginIsolated,
      hardwareConcurrency: self.navigator.hardwareConcurrency,
      ...(options.numThreads === undefined ? {} : { requested: options.numThreads }),
    });
    const wasm = options.assetsUrl
      ? new URL(WASM_FILE[build], options.assetsUrl).href
      : new URL(wasmUrl, self.location.href).href;
    ort.env.wasm.wasmPaths = { wasm };
    ort.env.wasm.numThreads = choice.threads;
    ort.env.logLevel = 'error';
    // Not awaited here, so that transformers.js is imported while the WASM compiles; sessions
    // wait for it (OrtRuntime.warmedUp).
    const before = options.beforeWarmUp?.(ort).catch(() => undefined);
    const warmedUp = before ? before.then(() => warmUpWasm(ort)) : warmUpWasm(ort);
    return {
      ort,
      build,
      adapter,
      warmedUp,
      ...(options.webGpuFailed ? { webGpuFailed: options.webGpuFailed } : {}),
      threads: choice.threads,
      ...(choice.reason ? { threadsReason: choice.reason } : {}),
    };
  })();
  loading.catch(() => (loading = undefined));
  return loading;
}

const noProbe = async (): Promise<AdapterProbe> => ({
  available: false,
  description: null,
  isFallback: false,
  error: 'not probed: WASM was asked for',
});
