import { ErrorCode, FerryError } from '$shared';
import type { Ferry } from '../../ferry.ts';
import { serveControl, serveControlBatch } from '../../rollouts/http.ts';
import { serveBlob } from '../blobs.ts';
import { preflight, withIsolationHeaders } from '../cors.ts';
import { serveManifest } from '../manifest.ts';
import { errorResponse } from '../respond.ts';
import { serveWellKnown } from '../well-known.ts';
import type { FastRoute, FastRouteContext } from './front-door.ts';

type Serve = (request: Request, match: RegExpExecArray, context: FastRouteContext) => Promise<Response>;

/** The 405 SvelteKit gives a `+server.ts` without the method, in the JSON contract (api-errors.ts). */
function methodNotAllowed(request: Request, allow: string): Response {
  const { pathname } = new URL(request.url);
  const error = new FerryError(
    ErrorCode.METHOD_NOT_ALLOWED,
    `method: ${request.method} is not allowed on ${pathname} (allowed: ${allow})`,
  );
  const response = errorResponse(error);
  response.headers.set('Allow', allow);
  return response;
}

/**
 * A route that answers what hooks.server.ts would around the same handler: preflights, the
 * methods in `allow` (HEAD as GET without a body, as SvelteKit does) or 405, then the isolation
 * and CORS headers.
 */
function route(ferry: Ferry, spec: { pattern: RegExp; allow: readonly string[] }, serve: Serve): FastRoute {
  const { pattern, allow } = spec;
  return {
    pattern,
    async handle(request, match, context) {
      const early = preflight(request, ferry.config);
      let response: Response;
      if (early) response = early;
      else if (!allow.includes(request.method)) response = methodNotAllowed(request, allow.join(', '));
      else {
        response = await serve(request, match, context);
        if (request.method === 'HEAD' && response.body !== null) {
          void response.body.cancel();
          response = new Response(null, response);
        }
      }
      return withIsolationHeaders(request, response, ferry.config);
    },
  };
}

const param = (match: RegExpExecArray, index: number) => decodeURIComponent(match[index] ?? '');

/**
 * The hot public routes served ahead of SvelteKit (issue 8's fast lane): telemetry ingest, blob
 * and manifest GETs and /.well-known/ferry.json, through the same handlers and with the same
 * headers as their SvelteKit routes under web/src/routes, which still serve `vite dev`.
 */
export function fastRoutes(ferry: Ferry): FastRoute[] {
  return [
    route(ferry, { pattern: /^\/api\/v1\/telemetry$/, allow: ['POST'] }, (request, _match, context) =>
      ferry.telemetry.handler(request, context.peerAddress),
    ),
    route(ferry, { pattern: /^\/api\/v1\/blobs\/([^/]+)$/, allow: ['GET', 'HEAD'] }, (request, match) =>
      serveBlob(request, ferry, param(match, 1)),
    ),
    route(
      ferry,
      { pattern: /^\/api\/v1\/models\/([^/]+)\/versions\/([^/]+)\/manifest$/, allow: ['GET', 'HEAD'] },
      (request, match) => serveManifest(request, ferry, { name: param(match, 1), version: param(match, 2) }),
    ),
    route(
      ferry,
      { pattern: /^\/api\/v1\/models\/([^/]+)\/control$/, allow: ['GET', 'HEAD'] },
      (request, match) => serveControl(request, ferry.control, param(match, 1)),
    ),
    route(ferry, { pattern: /^\/api\/v1\/control$/, allow: ['GET', 'HEAD'] }, (request) =>
      serveControlBatch(request, ferry.control),
    ),
    route(ferry, { pattern: /^\/\.well-known\/ferry\.json$/, allow: ['GET', 'HEAD'] }, () =>
      serveWellKnown(ferry),
    ),
  ];
}
