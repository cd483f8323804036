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
 * chunk must not import the worker's entry: every thread would load and evaluate all of Ferry's
 * worker (zod, comlink, the API) before the backend may start (each costs about what the entry
 * does). It would, as soon as the bundler's runtime helpers live in the entry, which rolldown
 * does unless a manual chunk exists: the worker's own libraries get one, and the build fails
 * if an onnxruntime-web chunk imports an entry anyway.
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
        rolldownOptions: {
          output: { codeSplitting: { groups: [{ name: 'worker-libs', test: WORKER_LIBS }] } },
        },
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

/** Libraries only the worker's entry uses (ES modules, so they need no runtime helper). */
const WORKER_LIBS = /node_modules[\\/](comlink|idb)[\\/]/;

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
