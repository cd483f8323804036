import { describe, expect, it } from 'vitest';
import { ONNXRUNTIME_VERSION, type PublishedManifest } from '$shared/schemas/manifest.ts';
import { publishedExample } from '../telemetry/example-manifests.test-support.ts';
import { deliveredFiles, manifestFiles, type DeliverySettings } from './delivered-files.ts';

const compiledForm = (digit: string, onnxruntime = ONNXRUNTIME_VERSION) => ({
  format: 'ort' as const,
  optimization: 'extended' as const,
  onnxruntime,
  sha256: digit.repeat(64),
  size: 1234,
});

/** debian-sections as published with a compiled form of its ONNX file (WASM only). */
function withCompiled(onnxruntime = ONNXRUNTIME_VERSION): PublishedManifest {
  const manifest = publishedExample('debian-sections');
  return {
    ...manifest,
    files: manifest.files.map((f) =>
      f.role === 'onnx' ? { ...f, compiled: compiledForm('c', onnxruntime) } : f,
    ),
  };
}

const auto: DeliverySettings = { compiledModels: true, backend: 'auto', webGpuApi: true };

describe('deliveredFiles', () => {
  it("replaces an ONNX file by its compiled form (path and role kept, the form's sha256 and size) for a WASM-only model", () => {
    const manifest = withCompiled();
    const delivered = deliveredFiles(manifest, auto);
    expect(delivered.compiled).toEqual(new Set(['onnx/model_quantized.onnx']));
    expect(delivered.files[0]).toEqual({
      path: 'onnx/model_quantized.onnx',
      role: 'onnx',
      sha256: 'c'.repeat(64),
      size: 1234,
    });
    // Every other file as the manifest lists it, in its order.
    expect(delivered.files.slice(1)).toEqual(manifest.files.slice(1));
    expect(delivered.files.map((f) => f.path)).toEqual(manifest.files.map((f) => f.path));
  });

  it('delivers the original files with compiledModels: false, for a version without compiled forms, or one made by another onnxruntime', () => {
    const originals = manifestFiles(withCompiled());
    expect(originals[0]).toEqual({
      path: 'onnx/model_quantized.onnx',
      role: 'onnx',
      sha256: 'a'.repeat(64),
      size: 1,
    });
    for (const [manifest, settings] of [
      [withCompiled(), { ...auto, compiledModels: false }],
      [publishedExample('debian-sections'), auto],
      [withCompiled('1.29.0'), auto],
    ] as const) {
      expect(deliveredFiles(manifest, settings)).toEqual({ files: originals, compiled: new Set() });
    }
  });

  it('compiles all ONNX files of a bundle or none: one without a compiled form keeps the others original', () => {
    const manifest = withCompiled();
    const second = { path: 'onnx/model.onnx', role: 'onnx' as const, sha256: 'b'.repeat(64), size: 9 };
    const mixed = { ...manifest, files: [...manifest.files, second] };
    expect(deliveredFiles(mixed, auto)).toEqual({ files: manifestFiles(mixed), compiled: new Set() });
    const both = { ...manifest, files: [...manifest.files, { ...second, compiled: compiledForm('d') }] };
    expect(deliveredFiles(both, auto).compiled).toEqual(
      new Set(['onnx/model_quantized.onnx', 'onnx/model.onnx']),
    );
  });

  it('compiles a model that allows WebGPU only where it surely runs on WASM: backend "wasm" or no WebGPU API', () => {
    const manifest = withCompiled();
    const webgpu = { ...manifest, runtime: { ...manifest.runtime, executionProviders: ['webgpu', 'wasm'] } };
    const compiled = (settings: DeliverySettings) =>
      deliveredFiles(webgpu as PublishedManifest, settings).compiled.size > 0;
    expect(compiled(auto)).toBe(false);
    expect(compiled({ ...auto, backend: 'webgpu' })).toBe(false);
    expect(compiled({ ...auto, backend: 'wasm' })).toBe(true);
    expect(compiled({ ...auto, webGpuApi: false })).toBe(true);
  });
});
