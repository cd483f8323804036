import { collectDefaultMetrics, Registry } from 'prom-client';
import type { EventsObserver } from '../events/hub.ts';
import { createEventsMetrics } from './events-metrics.ts';
import { createFleetMetrics, type FleetSource } from './fleet.ts';
import { createHttpMetrics, type HttpMetrics } from './http-metrics.ts';
import { createIngestMetrics, type IngestMetrics } from './ingest-metrics.ts';

/** The server's Prometheus metrics: HTTP, ingest and event-stream counters, fleet aggregates, process metrics. */
export interface FerryMetrics {
  http: HttpMetrics;
  ingest: IngestMetrics;
  /** Event streams: open, opened, documents pushed, dropped for a full buffer. */
  events: EventsObserver;
  /** The Content-Type of {@link scrape}'s text (Prometheus text format 0.0.4). */
  contentType: string;
  /** Recomputes the fleet series from the telemetry store and renders every series. */
  scrape(now?: Date): Promise<string>;
}

/**
 * One registry per backend (not prom-client's global one), so that two backends in one process —
 * tests do that — never share or clash over series.
 */
export function createFerryMetrics(fleet: FleetSource): FerryMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const fleetMetrics = createFleetMetrics(registry, fleet);
  return {
    http: createHttpMetrics(registry),
    ingest: createIngestMetrics(registry),
    events: createEventsMetrics(registry),
    contentType: registry.contentType,
    async scrape(now = new Date()) {
      await fleetMetrics.refresh(now);
      return registry.metrics();
    },
  };
}
