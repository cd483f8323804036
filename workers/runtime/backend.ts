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
 * The execution provider for one bundle, and why it is not WebGPU when WebGPU was in play.
 * Throws `BACKEND_UNAVAILABLE` for a bundle that requires WebGPU where there is none.
 */
export function chooseProvider(options: {
  preference: BackendPreference;
  adapter: AdapterProbe;
  build: OrtBuild;
  allowed: readonly ExecutionProvider[];
  requiresWebGpu: boolean;
}): { provider: Backend; reason?: string } {
  const { preference, adapter, build, allowed } = options;
  let reason: string | undefined;
  if (preference === 'wasm') reason = 'WASM was asked for (backend: "wasm")';
  else if (!allowed.includes('webgpu')) reason = 'the bundle allows only WASM';
  else if (!adapter.available) reason = `no WebGPU adapter (${adapter.error ?? 'unknown'})`;
  else if (preference === 'auto' && adapter.isFallback) {
    reason = `only a software WebGPU adapter (${adapter.description}), slower than WASM; ask for backend "webgpu" to use it`;
  } else if (build !== 'webgpu') reason = 'this worker already loaded the WASM-only runtime';
  if (reason === undefined) return { provider: 'webgpu' };
  if (options.requiresWebGpu) {
    throw new FerryError(ErrorCode.BACKEND_UNAVAILABLE, `runtime.requirements.webgpu: ${reason}`);
  }
  return preference === 'wasm' ? { provider: 'wasm' } : { provider: 'wasm', reason };
}

/**
 * WASM threads: one per core up to `cap` when the page is cross-origin isolated (threads need
 * SharedArrayBuffer), else one, saying why.
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
  return { threads: Math.max(1, Math.min(options.cap ?? 4, options.hardwareConcurrency || 1)) };
}
