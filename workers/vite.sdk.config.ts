import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';
import { emitClientTypes } from './build/emit-types.ts';
import { ferryWorkerPlugin } from './vite-plugin.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

// onnxruntime-web's wasm keeps its own name so that `assetsUrl` can point at a copy of the folder.
const assetFileNames = (info: { names: readonly string[] }) =>
  info.names.some((n) => n.endsWith('.wasm')) ? 'assets/[name][extname]' : 'assets/[name]-[hash][extname]';
const output = { entryFileNames: '[name].js', chunkFileNames: 'chunks/[name]-[hash].js', assetFileNames };

function clientTypes(): Plugin {
  return { name: 'ferry:client-types', apply: 'build', closeBundle: () => emitClientTypes(root) };
}

/**
 * The embeddable SDK (`npm run build:sdk` → dist/sdk): `client.js` (ESM, what product teams
 * import), the worker and its lazy chunks, onnxruntime-web's wasm, and `client.d.ts`. Not a Vite
 * "library" build: that mode inlines every asset, and the wasm is 14–28 MB.
 */
export default defineConfig({
  root,
  base: './',
  publicDir: false,
  plugins: [ferryWorkerPlugin(), clientTypes()],
  resolve: {
    alias: [
      { find: /^\$shared$/, replacement: path.join(root, 'shared/index.ts') },
      { find: /^\$shared\//, replacement: `${path.join(root, 'shared')}/` },
    ],
  },
  build: {
    outDir: path.join(root, 'dist/sdk'),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    modulePreload: false,
    assetsInlineLimit: 0,
    copyPublicDir: false,
    reportCompressedSize: false,
    rolldownOptions: {
      input: { client: path.join(root, 'workers/client.ts') },
      preserveEntrySignatures: 'strict',
      output,
    },
  },
  worker: { format: 'es', rolldownOptions: { output } },
});
