import type { FerryConfig } from '../config.ts';

const PUBLIC_READ = [
  /^\/\.well-known\/ferry\.json$/,
  /^\/api\/v1\/models(\/|$)/,
  /^\/api\/v1\/blobs\//,
  /^\/api\/v1\/control$/,
];
/** Telemetry ingest: other origins POST batches to it (fetch with CORS, or sendBeacon). */
const TELEMETRY = /^\/api\/v1\/telemetry$/;

/** Whether `pathname` is one of the public routes that other origins may use. */
function isPublicReadPath(pathname: string): boolean {
  return TELEMETRY.test(pathname) || PUBLIC_READ.some((pattern) => pattern.test(pathname));
}

function allowedOrigin(request: Request, config: FerryConfig): string | null {
  const origin = request.headers.get('origin');
  if (origin === null) return null;
  return config.allowedOrigins.includes('*') || config.allowedOrigins.includes(origin) ? origin : null;
}

/**
 * Sets the headers every response carries: COOP/COEP for cross-origin isolation and CORP
 * `same-origin`, except that public read routes get CORP `cross-origin` plus CORS for the origins
 * in FERRY_ALLOWED_ORIGINS (others get no Access-Control-Allow-Origin at all).
 */
export function withIsolationHeaders(request: Request, response: Response, config: FerryConfig): Response {
  let result = response;
  const set = (name: string, value: string) => {
    try {
      result.headers.set(name, value);
    } catch {
      // Headers of some responses (e.g. from fetch) are immutable: copy once, then set.
      result = new Response(result.body, result);
      result.headers.set(name, value);
    }
  };
  const publicRead = isPublicReadPath(new URL(request.url).pathname);
  set('Cross-Origin-Opener-Policy', 'same-origin');
  set('Cross-Origin-Embedder-Policy', 'require-corp');
  set('Cross-Origin-Resource-Policy', publicRead ? 'cross-origin' : 'same-origin');
  if (publicRead) {
    set('Vary', 'Origin');
    const origin = allowedOrigin(request, config);
    if (origin !== null) {
      set('Access-Control-Allow-Origin', origin);
      // Retry-After: so that a telemetry client on another origin can honour a 429 or 503.
      set('Access-Control-Expose-Headers', 'ETag, Content-Length, Content-Range, Accept-Ranges, Retry-After');
    }
  }
  return result;
}

/**
 * The answer to an OPTIONS preflight on a public read route, or null for any other request. It
 * carries what only a preflight says; `Vary` and `Access-Control-Allow-Origin` are set by
 * {@link withIsolationHeaders}, which every response passes through.
 */
export function preflight(request: Request, config: FerryConfig): Response | null {
  const { pathname } = new URL(request.url);
  if (request.method !== 'OPTIONS' || !isPublicReadPath(pathname)) return null;
  const headers: Record<string, string> = {};
  if (allowedOrigin(request, config) !== null) {
    const ingest = TELEMETRY.test(pathname);
    headers['Access-Control-Allow-Methods'] = ingest ? 'POST, OPTIONS' : 'GET, HEAD, OPTIONS';
    headers['Access-Control-Allow-Headers'] = ingest ? 'Content-Type' : 'Range, If-None-Match, If-Range';
    headers['Access-Control-Max-Age'] = '600';
  }
  return new Response(null, { status: 204, headers });
}
