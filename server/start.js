// `npm start`: runs server/main.ts, bundled by esbuild (rebuilt first when a source changed), in
// this same process, so that a signal sent to this process reaches the server itself.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ensureServerBundle } from './build/server-bundle.js';

const root = path.resolve(import.meta.dirname, '..');
// Stack traces then name server/*.ts lines (the bundle's source map), not the bundle's.
process.setSourceMapsEnabled(true);
await import(pathToFileURL(await ensureServerBundle(root)).href);
