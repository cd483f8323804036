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
    // Kit's own check answers a cross-site form post before `handle` runs, as text; Ferry refuses
    // it at its front door instead (server/http/csrf.ts, same rule), in its JSON error format
    // under /api/ and with room for the routes that must accept it (sendBeacon telemetry).
    csrf: { trustedOrigins: ['*'] },
    // Kit adds a nonce (SSR) or hash (prerendered) for its inline bootstrap script, so scripts
    // need neither 'unsafe-inline' nor 'unsafe-eval'; 'wasm-unsafe-eval' lets pages compile wasm.
    csp: {
      mode: 'auto',
      directives: {
        'script-src': ['self', 'wasm-unsafe-eval'],
        'worker-src': ['self', 'blob:'],
        'object-src': ['none'],
        'base-uri': ['self'],
        'frame-ancestors': ['self'],
      },
    },
    alias: {
      $shared: 'shared',
      $server: 'server',
      $workers: 'workers',
    },
  },
};

export default config;
