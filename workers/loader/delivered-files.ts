import { ONNXRUNTIME_VERSION, type PublishedFile, type PublishedManifest } from '$shared/schemas/manifest.ts';
import type { BackendPreference } from '../types.ts';

/** What decides, besides the manifest, which bytes a load of it uses. */
export interface DeliverySettings {
  /** The client's `compiledModels` (default true): `false` always loads the original files. */
  compiledModels: boolean;
  /** The client's `backend`. */
  backend: BackendPreference;
  /** Whether this worker has the WebGPU API at all (`'gpu' in navigator`). */
  webGpuApi: boolean;
}

/** A file as a load fetches, verifies and caches it: a manifest's entry, or its compiled form. */
export type DeliveredFile = Omit<PublishedFile, 'compiled'>;

/** The files one load of a manifest uses, and which of their paths hold a compiled form. */
export interface DeliveredFiles {
  files: DeliveredFile[];
  /** Paths whose bytes are a compiled form: their sessions start with graph optimisation off. */
  compiled: ReadonlySet<string>;
}

/** The settings of a worker: `webGpuApi` from this worker's own navigator. */
export function deliverySettings(config: {
  compiledModels: boolean;
  backend: BackendPreference;
}): DeliverySettings {
  return {
    compiledModels: config.compiledModels,
    backend: config.backend,
    webGpuApi: 'gpu' in self.navigator,
  };
}

/**
 * The files a load of `manifest` fetches, verifies, caches and runs, in the manifest's order.
 * Every ONNX file is replaced by its compiled form (same path and role, the form's sha256 and
 * size) when all of the bundle's ONNX files have one made by this worker's onnxruntime release
 * and the model surely runs on WASM; otherwise every file is the manifest's own. All or none: a
 * transformers.js pipeline picks its ONNX file itself, and its session options must hold for
 * whichever it reads. Pure, so a cold load and a later warm one of the same manifest, with the
 * same settings, agree on every byte (a warm load verifies exactly what was cached).
 */
export function deliveredFiles(manifest: PublishedManifest, settings: DeliverySettings): DeliveredFiles {
  const onnx = manifest.files.filter((f) => f.role === 'onnx');
  const usable = (f: PublishedFile) => f.compiled?.onnxruntime === ONNXRUNTIME_VERSION;
  const compile =
    settings.compiledModels && onnx.length > 0 && onnx.every(usable) && surelyWasm(manifest, settings);
  if (!compile) return { files: manifestFiles(manifest), compiled: new Set() };
  const files = manifest.files.map(({ compiled, ...file }) =>
    compiled && file.role === 'onnx' ? { ...file, sha256: compiled.sha256, size: compiled.size } : file,
  );
  return { files, compiled: new Set(onnx.map((f) => f.path)) };
}

/** The manifest's own files, no compiled form among them: what `compiledModels: false` delivers. */
export function manifestFiles(manifest: PublishedManifest): DeliveredFile[] {
  return manifest.files.map(({ compiled: _, ...file }) => file);
}

/**
 * Whether the model runs on WASM whatever the WebGPU probe finds: a compiled form is optimised for
 * onnxruntime's CPU kernels, and a WebGPU session is built from the original. Decided from the
 * manifest and settings alone, never from the probe (which a later load may answer otherwise, and
 * which a warm load must not wait for): a device with the WebGPU API but no usable adapter loads
 * the original of a model that allows WebGPU, as before compiled forms.
 */
function surelyWasm(manifest: PublishedManifest, settings: DeliverySettings): boolean {
  return (
    !manifest.runtime.executionProviders.includes('webgpu') ||
    settings.backend === 'wasm' ||
    !settings.webGpuApi
  );
}
