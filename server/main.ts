import { createServer } from 'node:http';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ensureBuild } from './build/ensure-build.ts';
import { loadConfig, type FerryConfig } from './config.ts';
import type { Ferry } from './ferry.ts';
import { fastRoutes } from './http/node/fast-routes.ts';
import { createFrontDoor, type NodeHandler } from './http/node/front-door.ts';
import { createStaticFiles } from './http/node/static-files.ts';
import { metricsHandler } from './metrics/route.ts';
import { initFerry } from './runtime.ts';
import { printStartup } from './startup-log.ts';

const root = path.resolve(import.meta.dirname, '..');
process.env.FERRY_ROOT ??= root;

let config: FerryConfig;
try {
  config = loadConfig(process.env);
} catch (error) {
  console.error(`ferry: ${(error as Error).message}`);
  process.exit(1);
}

try {
  ensureBuild(root);
} catch (error) {
  console.error(`ferry: cannot start: ${(error as Error).message}`);
  process.exit(1);
}
// Uploads are limited per route (FERRY_MAX_FILE_BYTES, tRPC body limit), not by adapter-node.
process.env.BODY_SIZE_LIMIT ??= 'Infinity';

let ferry: Ferry;
let handler: NodeHandler;
try {
  // Importing the handler runs hooks.server.ts `init` (server/runtime.ts), which opens the backend.
  ({ handler } = (await import(pathToFileURL(path.join(root, 'build', 'handler.js')).href)) as {
    handler: NodeHandler;
  });
  ferry = await initFerry();
} catch (error) {
  console.error(`ferry: start-up failed: ${(error as Error).message}`);
  process.exit(1);
}

// adapter-node's own static handler (sirv) crashes the process on some Range headers and answers
// any method, so build/client is served by the front door and SvelteKit gets only the rest.
const frontDoor = createFrontDoor({
  staticFiles: createStaticFiles(path.join(root, 'build', 'client'), '/_app/immutable/'),
  routes: [
    ...fastRoutes(ferry),
    {
      pattern: /^\/metrics$/,
      handle: metricsHandler({ mode: ferry.config.metrics.mode, db: ferry.deps.db, metrics: ferry.metrics }),
    },
  ],
  fallback: handler,
});
// Every response is counted, the front door's own refusals included.
const server = createServer((req, res) => {
  ferry.metrics.http.observe(req, res);
  frontDoor(req, res);
});

server.listen(config.port, config.host, () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  printStartup(ferry, `http://${config.host}:${port}`);
});

function shutdown(signal: string) {
  process.stderr.write(`ferry: ${signal}, shutting down\n`);
  server.close(() => {
    void ferry.close().then(() => process.exit(0));
  });
  server.closeAllConnections();
}
process.once('SIGTERM', () => shutdown('SIGTERM'));
process.once('SIGINT', () => shutdown('SIGINT'));
