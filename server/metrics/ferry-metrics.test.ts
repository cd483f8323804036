import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LATENCY_EDGES_MS } from '$shared';
import { systemActor } from '../services/deps.ts';
import { publishVersion } from '../services/publish.ts';
import { registryQueries } from '../services/registry-queries.ts';
import { createSqliteTelemetryStore } from '../telemetry/sqlite-store.ts';
import type { TelemetryStore } from '../telemetry/store.ts';
import { storeBatch } from '../testing/store-batch.ts';
import { minuteOf, spike, telemetryBatch } from '../testing/telemetry-batch.ts';
import { createTempDeps, type TempDeps } from '../testing/temp-deps.ts';
import { tinyManifest, uploadTiny } from '../testing/tiny-bundle.ts';
import { createFerryMetrics, type FerryMetrics } from './ferry-metrics.ts';

const NOW = new Date('2026-12-01T12:00:30Z');

let deps: TempDeps;
let store: TelemetryStore;
let metrics: FerryMetrics;
let versionId: number;

/** The value of the exposition line `series` (name plus its exact label text), or undefined. */
function valueOf(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

beforeEach(async () => {
  deps = createTempDeps();
  store = createSqliteTelemetryStore(deps.db);
  metrics = createFerryMetrics({ db: deps.db, store, windowMs: 3600_000 });
  await publishVersion(deps, { manifest: tinyManifest(), files: await uploadTiny(deps) }, systemActor);
  versionId = registryQueries(deps.db).version.get({ name: 'tiny', version: '1.0.0' })?.id as number;
});
afterEach(() => deps.dispose());

async function ingestAt(
  at: Date,
  batch: { runs: number; latencyBin: number; errors?: Record<string, number> },
) {
  const { runs, latencyBin, errors = {} } = batch;
  const made = telemetryBatch({ runs, windowStart: minuteOf(at), windowEnd: minuteOf(at) }, (b) => {
    b.latencyMs = { wasm: spike(LATENCY_EDGES_MS.length + 1, latencyBin, runs) };
    b.errors = errors;
  });
  await storeBatch(store, made, { versionId, receivedAt: at });
}

describe('fleet aggregates', () => {
  it('sums runs, errors by code and the latency histogram over the window, per version', async () => {
    await ingestAt(new Date(NOW.getTime() - 10 * 60_000), {
      runs: 30,
      latencyBin: 10,
      errors: { INFERENCE_FAILED: 2 },
    });
    await ingestAt(new Date(NOW.getTime() - 60_000), {
      runs: 70,
      latencyBin: 20,
      errors: { INFERENCE_FAILED: 1, BACKEND_UNAVAILABLE: 4 },
    });
    await ingestAt(new Date(NOW.getTime() - 2 * 3600_000), { runs: 1000, latencyBin: 5 }); // outside the hour
    const text = await metrics.scrape(NOW);
    const labels = 'model="tiny",version="1.0.0"';
    expect(valueOf(text, `ferry_fleet_runs{${labels}}`)).toBe(100);
    expect(valueOf(text, `ferry_fleet_batches{${labels}}`)).toBe(2);
    expect(valueOf(text, `ferry_fleet_errors{${labels},code="INFERENCE_FAILED"}`)).toBe(3);
    expect(valueOf(text, `ferry_fleet_errors{${labels},code="BACKEND_UNAVAILABLE"}`)).toBe(4);
    expect(text).toContain('# TYPE ferry_fleet_latency_seconds histogram');
    const bucket = (le: number | string) =>
      valueOf(text, `ferry_fleet_latency_seconds_bucket{${labels},backend="wasm",le="${le}"}`);
    // Bin 10 is [edges[9], edges[10]): counted at le = edges[10] and every bucket above.
    const le = (i: number) => Number(((LATENCY_EDGES_MS[i] as number) / 1000).toPrecision(12));
    expect(bucket(le(9))).toBe(0);
    expect(bucket(le(10))).toBe(30);
    expect(bucket(le(19))).toBe(30);
    expect(bucket(le(20))).toBe(100);
    expect(bucket('+Inf')).toBe(100);
    expect(valueOf(text, `ferry_fleet_latency_seconds_count{${labels},backend="wasm"}`)).toBe(100);
    const sum = valueOf(text, `ferry_fleet_latency_seconds_sum{${labels},backend="wasm"}`) as number;
    expect(sum).toBeGreaterThan(30 * le(9) + 70 * le(19));
    expect(sum).toBeLessThan(30 * le(10) + 70 * le(20));
  });

  it('drops a version’s series once its telemetry has left the window', async () => {
    await ingestAt(new Date(NOW.getTime() - 60_000), { runs: 5, latencyBin: 10 });
    expect(await metrics.scrape(NOW)).toContain('ferry_fleet_runs{model="tiny"');
    const later = await metrics.scrape(new Date(NOW.getTime() + 2 * 3600_000));
    expect(later).not.toContain('ferry_fleet_runs{');
    expect(later).not.toContain('ferry_fleet_latency_seconds_bucket{');
  });
});

describe('ingest counters', () => {
  it('count accepted, duplicate and refused batches by code, and the runs accepted', async () => {
    expect(
      valueOf(await metrics.scrape(NOW), 'ferry_telemetry_batches_total{result="accepted",code=""}'),
    ).toBe(0);
    metrics.ingest.accepted(12);
    metrics.ingest.accepted(3);
    metrics.ingest.duplicate();
    metrics.ingest.refused('INVALID_INPUT');
    metrics.ingest.refused('INVALID_INPUT');
    metrics.ingest.refused('BUNDLE_NOT_FOUND');
    const text = await metrics.scrape(NOW);
    expect(valueOf(text, 'ferry_telemetry_batches_total{result="accepted",code=""}')).toBe(2);
    expect(valueOf(text, 'ferry_telemetry_batches_total{result="duplicate",code=""}')).toBe(1);
    expect(valueOf(text, 'ferry_telemetry_batches_total{result="refused",code="INVALID_INPUT"}')).toBe(2);
    expect(valueOf(text, 'ferry_telemetry_batches_total{result="refused",code="BUNDLE_NOT_FOUND"}')).toBe(1);
    expect(valueOf(text, 'ferry_telemetry_runs_total')).toBe(15);
  });
});

describe('HTTP counters', () => {
  it('count real responses by route kind and status class', async () => {
    const server = createServer((req, res) => {
      metrics.http.observe(req, res);
      res.statusCode = req.url === '/api/v1/models' ? 200 : 404;
      res.end('x');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      for (const path of ['/api/v1/models', '/api/v1/models', '/api/v1/nothing', '/demo/tiny']) {
        await (await fetch(`http://127.0.0.1:${port}${path}`)).text();
      }
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    const text = await metrics.scrape(NOW);
    expect(valueOf(text, 'ferry_http_requests_total{kind="models",status_class="2xx"}')).toBe(2);
    expect(valueOf(text, 'ferry_http_requests_total{kind="api-other",status_class="4xx"}')).toBe(1);
    expect(valueOf(text, 'ferry_http_requests_total{kind="page",status_class="4xx"}')).toBe(1);
    expect(valueOf(text, 'ferry_http_request_duration_seconds_count{kind="models"}')).toBe(2);
  });
});
