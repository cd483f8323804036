import { availableParallelism } from 'node:os';
import { sveltekit } from '@sveltejs/kit/vite';
import type { Plugin, Connect } from 'vite';
import { defineConfig, type TestProjectInlineConfiguration } from 'vitest/config';
import { ferryWorkerPlugin } from './workers/vite-plugin.ts';

/**
 * COOP/COEP/CORP on every response of the dev and preview servers, so that pages are
 * cross-origin isolated (SharedArrayBuffer → multi-threaded WASM) exactly as in production.
 */
function crossOriginIsolation(): Plugin {
  const setHeaders: Connect.NextHandleFunction = (_req, res, next) => {
    res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
    res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
    next();
  };
  return {
    name: 'ferry:cross-origin-isolation',
    configureServer: (server) => void server.middlewares.use(setHeaders),
    configurePreviewServer: (server) => void server.middlewares.use(setHeaders),
  };
}

/**
 * Unit files at a time: vitest's own default (one fewer than the cores), but at least two. On two
 * cores the default is one, which left a core idle (`npm test` measured in the README).
 */
const unitWorkers = Math.max(2, availableParallelism() - 1);

/**
 * What the projects that start servers and browsers share: two files at a time (each with its own
 * server on port 0, temp folder and Chromium), in a group that runs after the unit project.
 */
const serverGroup = { maxWorkers: 2, sequence: { groupOrder: 1 } };

/**
 * A test project whose files start real server processes (test/support/ferry-server.ts): build/
 * (and the CLI package they run) is made fresh first, in the background while the unit project
 * runs (test/support/global-setup.ts, test/support/builds-ready.ts). These projects form a second
 * group after the unit project, so no file waits on a build while a unit file could run.
 */
function serverProcessProject(name: 'integration' | 'robustness'): TestProjectInlineConfiguration {
  return {
    extends: true,
    test: {
      name,
      include: [`test/${name}/**/*.test.ts`],
      environment: 'node',
      globalSetup: ['test/support/temp-root.ts', 'test/support/global-setup.ts'],
      setupFiles: ['test/support/builds-ready.ts'],
      provide: { ferryBuilds: name === 'integration' ? ['web', 'cli'] : ['web'] },
      testTimeout: 120_000,
      hookTimeout: 300_000,
      ...serverGroup,
    },
  };
}

export default defineConfig({
  // ferryWorkerPlugin: the Ferry worker (imported by the demo) bundles one onnxruntime-web build, and
  // workers are ES modules (the plugin sets worker.format).
  plugins: [crossOriginIsolation(), ferryWorkerPlugin(), sveltekit()],
  server: {
    // Kit sets its own allow list; the worker and shared code live outside web/.
    fs: { allow: ['workers', 'shared', 'server'] },
  },
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['{shared,server,workers,web}/**/*.test.ts', 'models/**/*.test.ts'],
          environment: 'node',
          maxWorkers: unitWorkers,
          globalSetup: ['test/support/temp-root.ts'],
        },
      },
      serverProcessProject('integration'),
      serverProcessProject('robustness'),
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['test/support/temp-root.ts', 'test/support/global-setup.ts'],
          setupFiles: ['test/support/builds-ready.ts'],
          provide: { ferryBuilds: ['web', 'sdk'] },
          testTimeout: 180_000,
          hookTimeout: 300_000,
          ...serverGroup,
        },
      },
    ],
  },
});
