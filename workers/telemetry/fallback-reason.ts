import type { FallbackReason } from '$shared/schemas/telemetry.ts';

// The free-text reasons of workers/runtime/backend.ts and engine.ts, by how each begins; the text
// itself never leaves the device (it can carry adapter names). fallback-reason.test.ts checks
// these against what chooseProvider really says.
const PREFIXES: readonly [string, FallbackReason][] = [
  ['no WebGPU adapter', 'no-webgpu-adapter'],
  ['only a software WebGPU adapter', 'software-webgpu-adapter'],
  ['this worker already loaded the WASM-only runtime', 'wasm-runtime-loaded'],
  ['WebGPU session creation failed', 'webgpu-session-failed'],
];

/** The wire code of a load's `fallbackReason`, or undefined for none or an unknown one. */
export function fallbackReasonCode(reason: string | undefined): FallbackReason | undefined {
  if (!reason) return undefined;
  return PREFIXES.find(([prefix]) => reason.startsWith(prefix))?.[1];
}
