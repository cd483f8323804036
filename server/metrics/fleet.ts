import { eq } from 'drizzle-orm';
import { Gauge, type Registry } from 'prom-client';
import { LATENCY_EDGES_MS } from '$shared';
import type { FerryQueryable } from '../db/open.ts';
import { preparedPerHandle } from '../db/prepared.ts';
import { models, versions } from '../db/schema.ts';
import { sumBuckets } from '../telemetry/aggregate.ts';
import type { TelemetryStore } from '../telemetry/store.ts';
import { BinnedHistogram, type BinnedSeries } from './binned-histogram.ts';

/** Where the fleet aggregates come from. */
export interface FleetSource {
  db: FerryQueryable;
  store: TelemetryStore;
  /** How far back from the scrape the buckets are summed. */
  windowMs: number;
}

/** Fleet series per model version, recomputed from the telemetry store at each scrape. */
export interface FleetMetrics {
  /** Replaces the fleet series with the sums over the window ending at `now`. */
  refresh(now: Date): Promise<void>;
}

const versionRefs = preparedPerHandle((db: FerryQueryable) =>
  db
    .select({ id: versions.id, model: models.name, version: versions.version })
    .from(versions)
    .innerJoin(models, eq(models.id, versions.modelId))
    .prepare(),
);

// Devices with a fast clock send windows that start a little ahead of the server's.
const CLOCK_SKEW_MS = 60 * 60_000;

/**
 * Registers the fleet series on `registry`: `ferry_fleet_batches`, `ferry_fleet_runs`,
 * `ferry_fleet_errors` (by code) and the histogram `ferry_fleet_latency_seconds` (by backend, on
 * the telemetry's fixed latency edges), each per model and version and summed over the buckets
 * that start within the window. Versions without telemetry in the window have no series.
 */
export function createFleetMetrics(registry: Registry, source: FleetSource): FleetMetrics {
  const minutes = Math.round(source.windowMs / 60_000);
  const over = `over the telemetry buckets of the last ${minutes} minutes`;
  const gauge = (name: string, help: string, labelNames: string[]) =>
    new Gauge({ name, help: `${help} ${over}.`, labelNames, registers: [registry] });
  const batches = gauge('ferry_fleet_batches', 'Telemetry batches merged per model version', [
    'model',
    'version',
  ]);
  const runs = gauge('ferry_fleet_runs', 'Runs reported by devices per model version', ['model', 'version']);
  const errors = gauge(
    'ferry_fleet_errors',
    'Failed runs and loads reported by devices, by FerryError code',
    ['model', 'version', 'code'],
  );
  const latency = new BinnedHistogram({
    name: 'ferry_fleet_latency_seconds',
    help: `Inference latency of successful runs on the devices, by backend, ${over} (buckets are the telemetry's LATENCY_EDGES_MS; _sum estimated from bin centres).`,
    labelNames: ['model', 'version', 'backend'],
    edges: LATENCY_EDGES_MS.map((ms) => ms / 1000),
    registry,
  });

  return {
    async refresh(now) {
      const from = new Date(now.getTime() - source.windowMs);
      const to = new Date(now.getTime() + CLOCK_SKEW_MS);
      const refs = versionRefs(source.db).all();
      const found = await Promise.all(
        refs.map(async (ref) => ({
          ref,
          buckets: await source.store.buckets({ versionId: ref.id, from, to }),
        })),
      );
      const series: BinnedSeries[] = [];
      batches.reset();
      runs.reset();
      errors.reset();
      for (const { ref, buckets } of found) {
        const total = sumBuckets(buckets);
        if (total === null) continue;
        const labels = { model: ref.model, version: ref.version };
        batches.set(labels, total.batches);
        runs.set(labels, total.runs);
        for (const [code, count] of Object.entries(total.errors)) errors.set({ ...labels, code }, count ?? 0);
        for (const [backend, counts] of Object.entries(total.latencyMs)) {
          if (counts) series.push({ labels: { ...labels, backend }, counts });
        }
      }
      latency.setSeries(series);
    },
  };
}
