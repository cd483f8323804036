import { ErrorCode, FerryError } from '$shared';
import type { FerryDb } from '../db/open.ts';
import { errorResponse, guarded } from '../http/respond.ts';
import { authorize } from '../services/authorize.ts';
import type { FerryMetrics } from './ferry-metrics.ts';

/** `FERRY_METRICS`: whether GET /metrics is served, and then only to a token with the `metrics` scope. */
export type MetricsMode = 'off' | 'token';

/** What the /metrics route needs. */
export interface MetricsRouteDeps {
  mode: MetricsMode;
  db: FerryDb;
  metrics: FerryMetrics;
}

/**
 * `GET /metrics` (and HEAD): the Prometheus text exposition for a Bearer token with the `metrics`
 * scope (401 without a valid token, 403 without the scope); 404 while FERRY_METRICS is `off`, so
 * that nothing reveals the route; 405 for other methods. Never throws.
 */
export function metricsHandler(deps: MetricsRouteDeps): (request: Request) => Promise<Response> {
  return (request) =>
    guarded(async () => {
      if (deps.mode === 'off') {
        throw new FerryError(ErrorCode.NOT_FOUND, 'path: /metrics is off (FERRY_METRICS=token serves it)');
      }
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        const refused = errorResponse(
          new FerryError(
            ErrorCode.METHOD_NOT_ALLOWED,
            `method: ${request.method} is not allowed on /metrics (allowed: GET, HEAD)`,
          ),
        );
        refused.headers.set('Allow', 'GET, HEAD');
        return refused;
      }
      authorize(deps.db, request.headers.get('authorization'), 'metrics');
      const body = await deps.metrics.scrape();
      return new Response(request.method === 'HEAD' ? null : body, {
        headers: { 'Content-Type': deps.metrics.contentType, 'Cache-Control': 'no-store' },
      });
    });
}
