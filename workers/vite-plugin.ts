import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Plugin } from 'vite';

const here = path.dirname(fileURLToPath(import.meta.url));

/**
 * What any Vite build that bundles the Ferry worker needs (the SDK build and the SvelteKit app):
 * transformers.js's static `onnxruntime-web/webgpu` import points at a stub, because the worker
 * injects the onnxruntime-web build it already loaded (runtime/transformers-env.ts); workers are
 * ES modules (onnxruntime-web's threads need `type: 'module'`); and the dev server leaves
 * onnxruntime-web unbundled so its wasm and pthread URLs keep working.
 */
export function ferryWorkerPlugin(): Plugin {
  return {
    name: 'ferry:worker',
    config: () => ({
      resolve: {
        alias: [
          { find: /^onnxruntime-web\/webgpu$/, replacement: path.join(here, 'runtime/ort-injected.ts') },
        ],
      },
      worker: { format: 'es' },
      optimizeDeps: { exclude: ['onnxruntime-web'] },
    }),
  };
}
