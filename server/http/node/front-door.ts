import type { IncomingMessage, ServerResponse } from 'node:http';
import { getRequest, setResponse } from '@sveltejs/kit/node';
import { ErrorCode, FerryError } from '$shared';
import { CROSS_ORIGIN_ISOLATION } from '../cors.ts';
import { isCrossSiteForm } from '../csrf.ts';
import { errorResponseFor } from '../respond.ts';
import { lingerAfterEarlyAnswer } from './linger.ts';
import { hasBody } from './node-request.ts';
import { sendResponse } from './send-response.ts';
import type { StaticFiles } from './static-files.ts';

/** A Node request handler in the shape adapter-node's `handler` has. */
export type NodeHandler = (req: IncomingMessage, res: ServerResponse, next?: () => void) => unknown;

/**
 * A route served at the front door, ahead of SvelteKit (issue 8's fast lane: telemetry ingest,
 * blob and manifest GETs, SSE). It sees a web `Request` and answers a `Response`; it must not
 * throw (wrap it in `guarded`), though the front door survives it if it does.
 */
export interface FastRoute {
  pattern: RegExp;
  handle(request: Request, match: RegExpExecArray, context: FastRouteContext): Response | Promise<Response>;
}

/**
 * A fast route that works on Node's request and response directly, for routes whose per-request
 * cost or lifetime a web `Request`/`Response` pair does not suit (hot GETs, SSE streams). The
 * baseline headers are already set, unless `writesBaseline`; it must answer (or destroy) `res`
 * and not throw.
 */
export interface NativeRoute {
  pattern: RegExp;
  /**
   * The route sends {@link BASELINE_HEADERS} itself (overriding any it must), with its own
   * headers in one `writeHead`, and calls `lingerAfterEarlyAnswer` when it answers before the
   * body has arrived: the front door then sets no header on `res` (a header set before
   * `writeHead` costs Node a slower path for every header of the response).
   */
  writesBaseline?: boolean;
  native(
    req: IncomingMessage,
    res: ServerResponse,
    match: RegExpExecArray,
    context: FastRouteContext,
  ): void | Promise<void>;
}

/** What a fast route knows of the connection beyond the `Request`. */
export interface FastRouteContext {
  /** The socket's peer address (a rate limit's key; proxies are the route's business). */
  peerAddress: string;
}

/** What {@link createFrontDoor} serves. */
export interface FrontDoorOptions {
  /** build/client, served here so that adapter-node's static handler never sees a request. */
  staticFiles: StaticFiles;
  /** Tried in order after the static files. */
  routes: readonly (FastRoute | NativeRoute)[];
  /** Everything else: adapter-node's `handler` (SvelteKit). */
  fallback: NodeHandler;
}

/**
 * Set before anything else writes, so that every response carries them, errors included; a
 * response may override CORP (public read routes send `cross-origin`, server/http/cors.ts).
 */
export const BASELINE_HEADERS: Readonly<Record<string, string>> = {
  ...CROSS_ORIGIN_ISOLATION,
  'Cross-Origin-Resource-Policy': 'same-origin',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'strict-origin-when-cross-origin',
};

/** The request line's target as sent (`raw`) and its path before any `?`. */
interface RequestTarget {
  raw: string;
  pathname: string;
}

// A web Request cannot carry these (the fetch standard forbids them), so no route could see them.
const UNREPRESENTABLE_METHODS = new Set(['CONNECT', 'TRACE', 'TRACK']);
/** Every method some route of the server answers: the `Allow` of a method no route takes. */
const SERVER_METHODS = 'GET, HEAD, POST, PUT, OPTIONS';

/** Whether every segment of `pathname` is valid percent-encoded UTF-8. */
function isDecodable(pathname: string): boolean {
  try {
    decodeURIComponent(pathname);
    return true;
  } catch {
    return false;
  }
}

/**
 * Remembers the last Host and target that made a valid URL: every request of a client names the
 * same Host, so URL parsing runs once per distinct pair rather than once per request.
 */
function createUrlCheck() {
  let lastHost = '';
  let lastRaw = '';
  return (host: string, raw: string): boolean => {
    if (host === lastHost && raw === lastRaw) return true;
    if (!URL.canParse(`http://${host}${raw}`)) return false;
    lastHost = host;
    lastRaw = raw;
    return true;
  };
}

/** The first problem that stops a request before any route sees it, or null. */
function screen(
  req: IncomingMessage,
  target: RequestTarget,
  makesUrl: (host: string, raw: string) => boolean,
): FerryError | null {
  const { raw, pathname } = target;
  if (!raw.startsWith('/')) {
    return new FerryError(ErrorCode.INVALID_INPUT, `request target: "${raw.slice(0, 100)}" is not a path`);
  }
  // Only a `%` can make decoding fail.
  if (pathname.includes('%') && !isDecodable(pathname)) {
    return new FerryError(ErrorCode.INVALID_INPUT, 'path: malformed percent-encoding (not UTF-8)');
  }
  const host = req.headers.host;
  if (!host) return new FerryError(ErrorCode.INVALID_INPUT, 'Host: the header is required');
  // Routes see a web Request, whose URL is built from Host and the target: both must make one.
  if (!makesUrl(host, raw)) {
    return new FerryError(ErrorCode.INVALID_INPUT, `Host: "${host.slice(0, 100)}" does not make a valid URL`);
  }
  const method = req.method ?? 'GET';
  // Safe methods are never a cross-site form submission (csrf.ts): no facts to gather.
  if (method === 'GET' || method === 'HEAD' || method === 'OPTIONS') return null;
  const facts = {
    method,
    pathname,
    contentType: req.headers['content-type'] ?? null,
    origin: req.headers.origin ?? null,
    host,
  };
  if (isCrossSiteForm(facts)) {
    return new FerryError(
      ErrorCode.FORBIDDEN,
      `Origin: cross-site ${facts.method} form submissions are forbidden`,
    );
  }
  return null;
}

/** Sets the baseline headers that `res` does not carry yet (a route may have overridden one). */
function setBaseline(res: ServerResponse, only = false): void {
  for (const name in BASELINE_HEADERS) {
    if (!only || !res.hasHeader(name)) res.setHeader(name, BASELINE_HEADERS[name] as string);
  }
}

/**
 * What the front door does when a handler throws or rejects with `error` (`request`: `METHOD
 * /path`): a logged 500 in Ferry's error format if nothing was sent yet, else a destroyed socket.
 * Exported for native routes that answer from a callback, outside anything the front door awaits.
 */
export function fail(res: ServerResponse, request: string, error: unknown): void {
  if (!res.headersSent) {
    // A route that writes its own baseline may have failed before writing anything.
    setBaseline(res, true);
    void setResponse(res, errorResponseFor(request.split(' ')[1] ?? '/', error, request));
    return;
  }
  console.error(`ferry: ${request} failed mid-response`, error);
  // The client must not take a truncated body for a whole one.
  res.destroy();
}

/**
 * The Node request listener in front of SvelteKit: isolation and nosniff headers on every
 * response, malformed requests and cross-site form posts refused in Ferry's error format, the
 * built client served with correct ranges and methods, fast routes, then SvelteKit. Whatever a
 * handler throws, synchronously or not, becomes a logged 500 (JSON under /api/), never an exit.
 */
export function createFrontDoor(
  options: FrontDoorOptions,
): (req: IncomingMessage, res: ServerResponse) => void {
  const serveWeb = async (req: IncomingMessage, res: ServerResponse, route: Promise<Response>) =>
    sendResponse(res, await route);
  const webRequest = (req: IncomingMessage) =>
    getRequest({ request: req, base: `http://${req.headers.host}` });
  const makesUrl = createUrlCheck();
  /** What every response but a `writesBaseline` route's gets before anything is written. */
  const prepare = (req: IncomingMessage, res: ServerResponse) => {
    setBaseline(res);
    if (hasBody(req)) lingerAfterEarlyAnswer(req, res);
  };
  // Synchronous up to the route: a native route's answer costs no promise unless it needs one.
  const dispatch = (req: IncomingMessage, res: ServerResponse, target: RequestTarget): unknown => {
    const refused = screen(req, target, makesUrl);
    if (refused) {
      prepare(req, res);
      return setResponse(res, errorResponseFor(target.pathname, refused));
    }
    const file = options.staticFiles.find(target.pathname);
    const found = file ? null : matchRoute(options.routes, target.pathname);
    const unrepresentable = UNREPRESENTABLE_METHODS.has(req.method ?? '');
    const ownsHeaders = found !== null && 'native' in found.route && found.route.writesBaseline === true;
    if (!ownsHeaders || unrepresentable) prepare(req, res);
    if (unrepresentable) {
      const error = new FerryError(ErrorCode.METHOD_NOT_ALLOWED, `method: ${req.method} is not supported`);
      const response = errorResponseFor(target.pathname, error);
      response.headers.set('Allow', file ? 'GET, HEAD' : SERVER_METHODS);
      return setResponse(res, response);
    }
    if (file)
      return serveWeb(
        req,
        res,
        webRequest(req).then((request) => options.staticFiles.serve(request, file)),
      );
    if (!found) return options.fallback(req, res);
    const context = { peerAddress: req.socket.remoteAddress ?? '' };
    const { route, match } = found;
    if ('native' in route) return route.native(req, res, match, context);
    return serveWeb(
      req,
      res,
      webRequest(req).then((request) => route.handle(request, match, context)),
    );
  };
  return (req, res) => {
    const raw = req.url ?? '/';
    const query = raw.indexOf('?');
    const target = { raw, pathname: query === -1 ? raw : raw.slice(0, query) };
    try {
      const pending = dispatch(req, res, target);
      // A handler's rejection (adapter-node's included) becomes a logged 500 like a throw.
      if (pending instanceof Promise)
        pending.catch((error: unknown) => fail(res, describe(req, target), error));
    } catch (error) {
      fail(res, describe(req, target), error);
    }
  };
}

/** `METHOD /path` of a failed request, for its log line. */
function describe(req: IncomingMessage, target: RequestTarget): string {
  return `${req.method} ${target.pathname.slice(0, 200)}`;
}

function matchRoute(routes: readonly (FastRoute | NativeRoute)[], pathname: string) {
  for (const route of routes) {
    const match = route.pattern.exec(pathname);
    if (match) return { route, match };
  }
  return null;
}
