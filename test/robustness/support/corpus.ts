import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { RawReply } from './raw-http.ts';

const clientDir = path.resolve(import.meta.dirname, '..', '..', '..', 'build', 'client');

/** A route of the server, by kind; `bytes` when its exact body is known (static files, blobs). */
export interface RouteKind {
  kind: string;
  path: string;
  bytes?: Buffer;
}

/** The first built file under build/client/`folder` whose name matches `pattern`, as a route. */
function builtFile(kind: string, folder: string, pattern: RegExp): RouteKind {
  const name = readdirSync(path.join(clientDir, folder)).find((entry) => pattern.test(entry));
  if (!name) throw new Error(`no ${pattern} under build/client/${folder}: is build/ fresh?`);
  const relative = path.posix.join(folder, name);
  return { kind, path: `/${relative}`, bytes: readFileSync(path.join(clientDir, relative)) };
}

/**
 * The static route kinds of the built client: the favicon, `/_app/version.json`, the worker
 * script and onnxruntime-web's (smaller) wasm, with their bytes as built.
 */
export function staticRoutes(): RouteKind[] {
  return [
    builtFile('favicon', '', /^favicon\.svg$/),
    builtFile('version.json', '_app', /^version\.json$/),
    builtFile('worker script', '_app/immutable/workers', /^worker-.*\.js$/),
    // The 14 MB threaded build rather than the 28 MB JSEP one: the same route, half the bytes.
    builtFile('ORT wasm', '_app/immutable/workers/assets', /^ort-wasm-simd-threaded-.*\.wasm$/),
  ];
}

/** Range headers that once crashed the server or were answered wrongly (issue 7), and more. */
export const RANGE_CORPUS = [
  'bytes=5-2',
  'bytes=0-9007199254740992',
  'bytes=-10',
  'bytes=0-0',
  'bytes=abc',
  'bytes=0-1,5-6',
  'bytes=99999999999999999999999999999-',
  'bytes=0-99999999999999999999999999999',
  'bytes=-99999999999999999999999999999',
  'bytes=--1',
  'bytes=-0',
  'bytes=1e3-2e3',
  'bytes= 1-2',
  'items=0-1',
  'bytes=',
];

/** What RFC 9110 says a resource of `bytes` must answer to `range` (status and body). */
export function expectedRangeReply(range: string, bytes: Buffer): { status: number; body?: Buffer } {
  const size = bytes.length;
  switch (range) {
    case 'bytes=-10':
      return { status: 206, body: bytes.subarray(size - 10) };
    case 'bytes=0-0':
      return { status: 206, body: bytes.subarray(0, 1) };
    case 'bytes=0-9007199254740992':
    case 'bytes=0-99999999999999999999999999999':
    case 'bytes=-99999999999999999999999999999':
      return { status: 206, body: bytes };
    case 'bytes=99999999999999999999999999999-':
    case 'bytes=-0':
      return { status: 416 };
    default:
      return { status: 200, body: bytes };
  }
}

/** Odd methods sent to every route kind. */
export const ODD_METHODS = ['PUT', 'DELETE', 'TRACE', 'PATCH', 'OPTIONS', 'PROPFIND'];

/** Request targets whose percent-encoding is not UTF-8. */
export const MALFORMED_PATHS = [
  '/api/v1/blobs/%E0%A4%A',
  '/api/v1/models/%C0%80/versions/1.0.0/manifest',
  '/api/v1/uploads/%FF',
  '/api/trpc/models.%E0',
  '/.well-known/%',
  '/demo/%ZZ',
  '/_app/%E0%A4%A',
  '/%',
];

function isApi(pathname: string): boolean {
  return pathname.startsWith('/api/') || pathname.startsWith('/.well-known/');
}

/**
 * Why `reply` to `method path` breaks the /api/ error contract, or null: an error there must be
 * JSON with `error.code` and `error.message` (Ferry's `{ error: { code, message } }`, or under
 * /api/trpc tRPC's envelope, whose `error.data.code` is the string code).
 */
export function contractViolation(method: string, pathname: string, reply: RawReply): string | null {
  if (reply.status < 400 || !isApi(pathname)) return null;
  const type = reply.headers['content-type'] ?? '';
  if (!type.startsWith('application/json')) return `Content-Type ${type || '(none)'}`;
  if (method === 'HEAD') return null;
  let body: unknown;
  try {
    body = JSON.parse(reply.body.toString('utf8'));
  } catch {
    return `body is not JSON: ${reply.body.toString('utf8').slice(0, 80)}`;
  }
  const items = Array.isArray(body) ? body : [body];
  for (const item of items) {
    const error = (item as { error?: { code?: unknown; message?: unknown; data?: { code?: unknown } } })
      .error;
    if (!error) continue;
    const code = typeof error.code === 'string' ? error.code : error.data?.code;
    if (typeof code !== 'string' || typeof error.message !== 'string') {
      return `error without a string code and message: ${JSON.stringify(error).slice(0, 120)}`;
    }
  }
  if (!items.some((item) => typeof item === 'object' && item !== null && 'error' in item)) {
    return `no error object: ${JSON.stringify(body).slice(0, 120)}`;
  }
  return null;
}
