import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ensureBuild } from './build/ensure-build.ts';
import { loadConfig, type FerryConfig } from './config.ts';
import type { Ferry } from './ferry.ts';
import { initFerry } from './runtime.ts';
import { printStartup } from './startup-log.ts';

type NodeHandler = (req: IncomingMessage, res: ServerResponse, next?: () => void) => void;

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

// adapter-node serves build/client before hooks run, so static files, the worker script and the
// wasm get their isolation headers here; routes may override CORP (hooks.server.ts).
const server = createServer((req, res) => {
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
  handler(req, res);
});

server.listen(config.port, config.host, () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  printStartup(ferry, `http://${config.host}:${port}`);
});

function shutdown(signal: string) {
  process.stderr.write(`ferry: ${signal}, shutting down\n`);
  server.close(() => {
    ferry.close();
    process.exit(0);
  });
  server.closeAllConnections();
}
process.once('SIGTERM', () => shutdown('SIGTERM'));
process.once('SIGINT', () => shutdown('SIGINT'));
