import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Plugin, Rolldown } from 'vite';

const here = path.dirname(fileURLToPath(import.meta.url));

/**
 * What any Vite build that bundles the Ferry worker needs (the SDK build and the SvelteKit app):
 * transformers.js's static `onnxruntime-web/webgpu` import points at a stub, because the worker
 * injects the onnxruntime-web build it already loaded (runtime/transformers-env.ts); workers are
 * ES modules (onnxruntime-web's threads need `type: 'module'`); and the dev server leaves
 * onnxruntime-web unbundled so its wasm and pthread URLs keep working.
 *
 * onnxruntime-web starts each WASM thread as a module worker on its own chunk's URL, so that
 * chunk must not import the worker's entry: every thread would load and evaluate it before the
 * backend may start. It would, as soon as the bundler's runtime helpers live in the entry. They
 * do not: the entry (worker.ts) imports its main module (worker-main.ts) dynamically, so every
 * chunk shares the helpers through a chunk of their own, and the build fails if an
 * onnxruntime-web chunk imports an entry anyway. (A manual chunk for comlink and idb used to
 * keep the helpers out of an entry that held the whole worker; now idb belongs in the small
 * entry, which starts onnxruntime with the WebGPU probe it remembers in IndexedDB, and a chunk
 * it had to import first would cost a round trip before it can.)
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
      worker: {
        format: 'es',
        plugins: () => [ortChunkGuard()],
      },
      optimizeDeps: { exclude: ['onnxruntime-web'] },
    }),
  };
}

/** Fails a worker build whose onnxruntime-web chunk imports an entry (see ferryWorkerPlugin). */
function ortChunkGuard(): Plugin {
  return {
    name: 'ferry:ort-chunk-guard',
    generateBundle: (_options, bundle) => refuseOrtImportingEntry(bundle),
  };
}

function refuseOrtImportingEntry(bundle: Rolldown.OutputBundle): void {
  const entries = new Set(
    Object.values(bundle).flatMap((c) => (c.type === 'chunk' && c.isEntry ? [c.fileName] : [])),
  );
  for (const chunk of Object.values(bundle)) {
    if (chunk.type !== 'chunk' || !chunk.moduleIds.some((id) => id.includes('onnxruntime-web'))) continue;
    const entry = chunk.imports.find((imported) => entries.has(imported));
    if (entry) {
      throw new Error(
        `${chunk.fileName} imports the entry ${entry}: each onnxruntime-web WASM thread would evaluate it (see ferryWorkerPlugin)`,
      );
    }
  }
}
