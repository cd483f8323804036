import adapter from '@sveltejs/adapter-node';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

/** @type {import('@sveltejs/kit').Config} */
const config = {
  preprocess: vitePreprocess(),
  kit: {
    // The ORT wasm files are 14–28 MB; gzip/brotli precompression of them adds up to a minute to
    // every build for little gain (they are fetched once, then served from the client's cache).
    adapter: adapter({ precompress: false }),
    files: {
      src: 'web/src',
      assets: 'web/static',
    },
    alias: {
      $shared: 'shared',
      $server: 'server',
      $workers: 'workers',
    },
  },
};

export default config;
