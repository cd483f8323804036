import type { FerryConfig } from '../config.ts';
import { responseOf, viewOfRequest, type Answer, type InlineBody, type RequestView } from './answer.ts';

const PUBLIC_READ = [
  /^\/\.well-known\/ferry\.json$/,
  /^\/api\/v1\/models(\/|$)/,
  /^\/api\/v1\/blobs\//,
  /^\/api\/v1\/control$/,
];
/** Telemetry ingest: other origins POST batches to it (fetch with CORS, or sendBeacon). */
const TELEMETRY = /^\/api\/v1\/telemetry$/;
/** The control push (server/events): an EventSource on another origin reconnects with Last-Event-ID. */
const EVENTS = /^\/api\/v1\/events$/;

/** Whether `pathname` is one of the public routes that other origins may use. */
export function isPublicReadPath(pathname: string): boolean {
  return (
    TELEMETRY.test(pathname) || EVENTS.test(pathname) || PUBLIC_READ.some((pattern) => pattern.test(pathname))
  );
}

/** `origin` when FERRY_ALLOWED_ORIGINS lets it use the public routes, else null. */
export function allowedOrigin(origin: string | null, config: FerryConfig): string | null {
  if (origin === null) return null;
  return config.allowedOrigins.includes('*') || config.allowedOrigins.includes(origin) ? origin : null;
}

/** The two headers that make a page and its workers cross-origin isolated (WASM threads need it). */
export const CROSS_ORIGIN_ISOLATION: Readonly<Record<string, string>> = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

/**
 * The headers every response carries: COOP/COEP for cross-origin isolation and CORP
 * `same-origin`, except that public read routes get CORP `cross-origin` plus CORS for the origins
 * in FERRY_ALLOWED_ORIGINS (others get no Access-Control-Allow-Origin at all).
 */
export function isolationHeaders(
  pathname: string,
  origin: string | null,
  config: FerryConfig,
): Record<string, string> {
  const publicRead = isPublicReadPath(pathname);
  const headers: Record<string, string> = {
    ...CROSS_ORIGIN_ISOLATION,
    'Cross-Origin-Resource-Policy': publicRead ? 'cross-origin' : 'same-origin',
  };
  if (!publicRead) return headers;
  headers.Vary = 'Origin';
  const allowed = allowedOrigin(origin, config);
  if (allowed !== null) {
    headers['Access-Control-Allow-Origin'] = allowed;
    // Retry-After: so that a telemetry client on another origin can honour a 429 or 503.
    headers['Access-Control-Expose-Headers'] =
      'ETag, Content-Length, Content-Range, Accept-Ranges, Retry-After';
  }
  return headers;
}

/** {@link isolationHeaders} set on a web `Response` (copied first if its headers are immutable). */
export function withIsolationHeaders(request: Request, response: Response, config: FerryConfig): Response {
  let result = response;
  const headers = isolationHeaders(new URL(request.url).pathname, request.headers.get('origin'), config);
  for (const [name, value] of Object.entries(headers)) {
    try {
      result.headers.set(name, value);
    } catch {
      // Headers of some responses (e.g. from fetch) are immutable: copy once, then set.
      result = new Response(result.body, result);
      result.headers.set(name, value);
    }
  }
  return result;
}

/**
 * The answer to an OPTIONS preflight on a public read route, or null for any other request. It
 * carries what only a preflight says; `Vary` and `Access-Control-Allow-Origin` are added by
 * {@link isolationHeaders}, which every answer gets.
 */
export function preflightAnswer(request: RequestView, config: FerryConfig): Answer<InlineBody> | null {
  const { pathname } = request;
  if (request.method !== 'OPTIONS' || !isPublicReadPath(pathname)) return null;
  const headers: Record<string, string> = {};
  if (allowedOrigin(request.header('origin'), config) !== null) {
    const ingest = TELEMETRY.test(pathname);
    headers['Access-Control-Allow-Methods'] = ingest ? 'POST, OPTIONS' : 'GET, HEAD, OPTIONS';
    headers['Access-Control-Allow-Headers'] = ingest
      ? 'Content-Type'
      : EVENTS.test(pathname)
        ? 'Last-Event-ID'
        : 'Range, If-None-Match, If-Range';
    headers['Access-Control-Max-Age'] = '600';
  }
  return { status: 204, headers, body: null };
}

/** {@link preflightAnswer} for a web `Request`, as a web `Response`. */
export function preflight(request: Request, config: FerryConfig): Response | null {
  const answer = preflightAnswer(viewOfRequest(request), config);
  return answer && responseOf(answer);
}
