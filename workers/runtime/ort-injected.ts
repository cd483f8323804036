/**
 * Replaces `onnxruntime-web/webgpu` in transformers.js's import graph (see vite-plugin.ts).
 * transformers.js imports that build statically but uses it only when no runtime was injected
 * through `globalThis[Symbol.for('onnxruntime')]`; Ferry always injects the onnxruntime-web this
 * worker already runs, so bundling a second 26 MB build would be dead weight.
 */
if (!(Symbol.for('onnxruntime') in globalThis)) {
  throw new Error(
    'Ferry: inject onnxruntime-web through Symbol.for("onnxruntime") before importing transformers.js',
  );
}

export {};
