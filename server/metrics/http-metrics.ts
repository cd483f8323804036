import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { Counter, type Registry } from 'prom-client';
import { binIndex } from '$shared/features/bin-index.ts';
import { BinnedHistogram } from './binned-histogram.ts';
import { routeKindOf, type RouteKind } from './route-kind.ts';

/** Counts every HTTP response by route kind and status class, and times it. */
export interface HttpMetrics {
  /** Starts watching one request; its response is counted when it finishes or is cut off. Never throws. */
  observe(req: IncomingMessage, res: ServerResponse): void;
}

// From a cache hit on a manifest (well under a millisecond) to a large blob download.
const DURATION_EDGES = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
];

/** `2xx` … `5xx` for a status code; anything outside 100–599 is `other`. */
export function statusClassOf(status: number): string {
  return status >= 100 && status < 600 ? `${Math.floor(status / 100)}xx` : 'other';
}

/**
 * HTTP counters registered on `registry`: `ferry_http_requests_total` and
 * `ferry_http_request_duration_seconds`. Every request of the fast lane passes here, so a
 * response costs a map increment and a bin lookup; prom-client's label hashing (about 5 µs per
 * response for a counter and a timer, measured) runs only at scrape time.
 */
export function createHttpMetrics(registry: Registry): HttpMetrics {
  const responses = new Map<string, { kind: RouteKind; statusClass: string; count: number }>();
  const durations = new Map<RouteKind, { counts: number[]; sum: number }>();
  new Counter({
    name: 'ferry_http_requests_total',
    help: 'HTTP responses by route kind and status class; status_class="aborted" when the connection closed before the response finished.',
    labelNames: ['kind', 'status_class'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const { kind, statusClass, count } of responses.values()) {
        this.inc({ kind, status_class: statusClass }, count);
      }
    },
  });
  new BinnedHistogram({
    name: 'ferry_http_request_duration_seconds',
    help: 'Time from the request reaching the server to the last byte of its response, by route kind.',
    labelNames: ['kind'],
    edges: DURATION_EDGES,
    registry,
    snapshot: () => [...durations].map(([kind, { counts, sum }]) => ({ labels: { kind }, counts, sum })),
  });
  const count = (kind: RouteKind, statusClass: string) => {
    const key = `${kind} ${statusClass}`;
    const entry = responses.get(key);
    if (entry) entry.count++;
    else responses.set(key, { kind, statusClass, count: 1 });
  };
  const time = (kind: RouteKind, seconds: number) => {
    let entry = durations.get(kind);
    if (!entry)
      durations.set(kind, (entry = { counts: new Array<number>(DURATION_EDGES.length + 1).fill(0), sum: 0 }));
    (entry.counts[binIndex(DURATION_EDGES, seconds)] as number)++;
    entry.sum += seconds;
  };
  // The last request target and its kind: a client under load asks for the same one again and again.
  let lastUrl = '';
  let lastKind: RouteKind = 'page';
  return {
    observe(req, res) {
      const url = req.url ?? '/';
      if (url !== lastUrl) {
        lastKind = routeKindOf(url.split('?', 1)[0] ?? '/');
        lastUrl = url;
      }
      const kind = lastKind;
      const start = performance.now();
      // One listener: 'close' follows 'finish' on every response (on the next tick), so a finished
      // response is counted and timed there, and one cut off before it ended counts as aborted.
      res.once('close', () => {
        if (!res.writableFinished) return count(kind, 'aborted');
        count(kind, statusClassOf(res.statusCode));
        time(kind, (performance.now() - start) / 1000);
      });
    },
  };
}
