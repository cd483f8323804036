import { Counter, Gauge, type Registry } from 'prom-client';
import type { EventsObserver } from '../events/hub.ts';

/**
 * SSE counters registered on `registry` (issue 9's event streams): `ferry_sse_streams` (open now),
 * `ferry_sse_streams_opened_total`, `ferry_sse_documents_pushed_total` (control documents written
 * to streams, opening ones included) and `ferry_sse_streams_dropped_total` (streams cut for holding
 * more than FERRY_SSE_BUFFER_BYTES unsent). The hub reports a fan-out once per change, not per
 * stream, so counting costs nothing that grows with the number of streams.
 */
export function createEventsMetrics(registry: Registry): EventsObserver {
  const open = new Gauge({
    name: 'ferry_sse_streams',
    help: 'Event streams (GET /api/v1/events) open now.',
    registers: [registry],
  });
  const opened = new Counter({
    name: 'ferry_sse_streams_opened_total',
    help: 'Event streams opened (reconnects included).',
    registers: [registry],
  });
  const pushed = new Counter({
    name: 'ferry_sse_documents_pushed_total',
    help: 'Signed control documents written to event streams, the ones a stream opens with included.',
    registers: [registry],
  });
  const dropped = new Counter({
    name: 'ferry_sse_streams_dropped_total',
    help: 'Event streams dropped because they held more than FERRY_SSE_BUFFER_BYTES unsent (the client reconnects).',
    registers: [registry],
  });
  return {
    opened() {
      open.inc();
      opened.inc();
    },
    closed: () => open.dec(),
    pushed(documents) {
      if (documents > 0) pushed.inc(documents);
    },
    dropped: () => dropped.inc(),
  };
}
