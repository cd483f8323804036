import { ErrorCode, FerryError } from '$shared/errors.ts';
import type { ExecutionProvider } from '$shared/schemas/manifest.ts';
import type { Backend, BackendPreference } from '../types.ts';

/** What `navigator.gpu.requestAdapter()` gave this worker. */
export interface AdapterProbe {
  available: boolean;
  /** Vendor/architecture/description, or null without an adapter. */
  description: string | null;
  /** A software adapter (SwiftShader): correct but far slower than WASM. */
  isFallback: boolean;
  /** Why there is no adapter. */
  error?: string;
  /** The adapter's features (e.g. `shader-f16`), for targeting; absent without an adapter. */
  features?: string[];
}

/** Which onnxruntime-web build a worker loads: `webgpu` is the JSEP build (WebGPU and WASM). */
export type OrtBuild = 'wasm' | 'webgpu';

/**
 * The build to load, once per worker: the JSEP build only when WebGPU may be used (a hardware
 * adapter, or any adapter when WebGPU was asked for), since it is twice the size of the WASM one.
 */
export function chooseBuild(preference: BackendPreference, adapter: AdapterProbe): OrtBuild {
  if (preference === 'wasm' || !adapter.available) return 'wasm';
  if (preference === 'auto' && adapter.isFallback) return 'wasm';
  return 'webgpu';
}

/**
 * The execution provider for one bundle, and, only when WebGPU was in play and the model still
 * ended up on WASM, why (`reason`). A bundle that allows only WASM, or `backend: "wasm"`, is a
 * choice, not a fallback: no reason. Throws `BACKEND_UNAVAILABLE` for a bundle that requires
 * WebGPU where there is none.
 */
export function chooseProvider(options: {
  preference: BackendPreference;
  adapter: AdapterProbe;
  build: OrtBuild;
  allowed: readonly ExecutionProvider[];
  requiresWebGpu: boolean;
}): { provider: Backend; reason?: string } {
  const blocker = webGpuBlocker(options);
  if (blocker === undefined) return { provider: 'webgpu' };
  if (options.requiresWebGpu) {
    throw new FerryError(ErrorCode.BACKEND_UNAVAILABLE, `runtime.requirements.webgpu: ${blocker}`);
  }
  const wanted = options.preference !== 'wasm' && options.allowed.includes('webgpu');
  return wanted ? { provider: 'wasm', reason: blocker } : { provider: 'wasm' };
}

/** Why this bundle cannot run on WebGPU here, or undefined when it can. */
function webGpuBlocker(options: {
  preference: BackendPreference;
  adapter: AdapterProbe;
  build: OrtBuild;
  allowed: readonly ExecutionProvider[];
}): string | undefined {
  const { preference, adapter, build, allowed } = options;
  if (preference === 'wasm') return 'WASM was asked for (backend: "wasm")';
  if (!allowed.includes('webgpu')) return 'the bundle allows only WASM';
  if (!adapter.available) return `no WebGPU adapter (${adapter.error ?? 'unknown'})`;
  if (preference === 'auto' && adapter.isFallback) {
    return `only a software WebGPU adapter (${adapter.description}), slower than WASM; ask for backend "webgpu" to use it`;
  }
  if (build !== 'webgpu') return 'this worker already loaded the WASM-only runtime';
  return undefined;
}

/**
 * WASM threads: onnxruntime-web's own default when the page is cross-origin isolated (threads need
 * SharedArrayBuffer), half the cores up to `cap`, else one, saying why. Half, not one per core:
 * onnxruntime's pool threads spin after each session.run, a core's worth for ~20 ms (its global
 * pool, which JavaScript cannot configure). Two threads on a 2-core machine cost digits ~20 ms of
 * CPU per lone run() against ~1 ms with one, and left the page a core shared with the worker;
 * paddleocr-det took ~27 ms instead of ~47. `requested` (the client's `numThreads`) overrides it.
 */
export function chooseThreads(options: {
  crossOriginIsolated: boolean;
  hardwareConcurrency: number;
  requested?: number;
  cap?: number;
}): { threads: number; reason?: string } {
  if (!options.crossOriginIsolated) {
    return {
      threads: 1,
      reason: 'the page is not cross-origin isolated (COOP/COEP headers), so WASM runs on one thread',
    };
  }
  if (options.requested !== undefined)
    return { threads: Math.max(1, Math.min(16, Math.floor(options.requested))) };
  const half = Math.ceil((options.hardwareConcurrency || 1) / 2);
  return { threads: Math.max(1, Math.min(options.cap ?? 4, half)) };
}
