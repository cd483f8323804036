import type { IncomingMessage, ServerResponse } from 'node:http';
import { Counter, Histogram, type Registry } from 'prom-client';
import { routeKindOf } from './route-kind.ts';

/** Counts every HTTP response by route kind and status class, and times it. */
export interface HttpMetrics {
  /** Starts watching one request; its response is counted when it finishes or is cut off. Never throws. */
  observe(req: IncomingMessage, res: ServerResponse): void;
}

// From a cache hit on a manifest (well under a millisecond) to a large blob download.
const DURATION_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** `2xx` … `5xx` for a status code; anything outside 100–599 is `other`. */
export function statusClassOf(status: number): string {
  return status >= 100 && status < 600 ? `${Math.floor(status / 100)}xx` : 'other';
}

/** HTTP counters registered on `registry`: `ferry_http_requests_total` and `ferry_http_request_duration_seconds`. */
export function createHttpMetrics(registry: Registry): HttpMetrics {
  const requests = new Counter({
    name: 'ferry_http_requests_total',
    help: 'HTTP responses by route kind and status class; status_class="aborted" when the connection closed before the response finished.',
    labelNames: ['kind', 'status_class'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'ferry_http_request_duration_seconds',
    help: 'Time from the request reaching the server to the last byte of its response, by route kind.',
    labelNames: ['kind'] as const,
    buckets: DURATION_BUCKETS,
    registers: [registry],
  });
  return {
    observe(req, res) {
      const kind = routeKindOf((req.url ?? '/').split('?', 1)[0] ?? '/');
      const stop = duration.startTimer({ kind });
      res.once('finish', () => {
        requests.inc({ kind, status_class: statusClassOf(res.statusCode) });
        stop();
      });
      // 'close' follows 'finish' on every response; only a response cut off before it ends counts here.
      res.once('close', () => {
        if (!res.writableFinished) requests.inc({ kind, status_class: 'aborted' });
      });
    },
  };
}
