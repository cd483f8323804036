import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BundleManifestInput, TelemetryBatch } from '$shared';
import { systemActor } from '../services/deps.ts';
import { publishVersion } from '../services/publish.ts';
import { registryQueries } from '../services/registry-queries.ts';
import { createSqliteTelemetryStore } from '../telemetry/sqlite-store.ts';
import type { TelemetryStore } from '../telemetry/store.ts';
import { storeBatch } from '../testing/store-batch.ts';
import { minuteOf, telemetryBatch, tinyReference } from '../testing/telemetry-batch.ts';
import { createTempDeps, type TempDeps } from '../testing/temp-deps.ts';
import { tinyManifest, uploadTiny } from '../testing/tiny-bundle.ts';
import { versionDriftReport, type DriftDeps } from './report.ts';
import { DEFAULT_DRIFT_SETTINGS, parseDriftSettings } from './settings.ts';

const NOW = new Date('2026-12-01T12:00:30Z');

let deps: TempDeps;
let store: TelemetryStore;
let drift: DriftDeps;

async function publishTiny(version: string, edit: (m: BundleManifestInput) => void = () => {}) {
  const manifest: BundleManifestInput = {
    ...tinyManifest(),
    version,
    reference: structuredClone(tinyReference) as unknown as BundleManifestInput['reference'],
  };
  edit(manifest);
  await publishVersion(deps, { manifest, files: await uploadTiny(deps) }, systemActor);
  return registryQueries(deps.db).version.get({ name: 'tiny', version })?.id as number;
}

/** Stores one batch of `runs` runs as `at`'s minute bucket of `versionId`. */
async function ingest(versionId: number, at: Date, edit: (batch: TelemetryBatch) => void) {
  const batch = telemetryBatch({ runs: 400, windowStart: minuteOf(at), windowEnd: minuteOf(at) }, edit);
  await storeBatch(store, batch, { versionId, receivedAt: at });
}

/** Live counts shaped like the reference: 25% per bin of a and b, predictions 40/30/30. */
function likeReference(batch: TelemetryBatch) {
  batch.features = [
    { name: 'a', counts: [0, 100, 100, 100, 100, 0] },
    { name: 'b', counts: [0, 100, 100, 100, 100, 0] },
  ];
  batch.predictions = { counts: [160, 120, 120], topScore: batch.predictions?.topScore ?? [] };
}

beforeEach(() => {
  deps = createTempDeps();
  store = createSqliteTelemetryStore(deps.db);
  drift = { db: deps.db, blobs: deps.blobs, telemetry: store, settings: DEFAULT_DRIFT_SETTINGS };
});
afterEach(() => deps.dispose());

describe('versionDriftReport', () => {
  it('finds no drift when the live counts look like the reference', async () => {
    const id = await publishTiny('1.0.0');
    await ingest(id, new Date(NOW.getTime() - 5 * 60_000), likeReference);
    await ingest(id, new Date(NOW.getTime() - 60_000), likeReference);
    const result = await versionDriftReport(drift, { model: 'tiny' }, NOW);
    expect(result).toMatchObject({ model: 'tiny', version: '1.0.0', buckets: 2, batches: 2, runs: 800 });
    expect(result.report.features.map((f) => [f.name, f.status, f.liveCount])).toEqual([
      ['a', 'not_drifted', 800],
      ['b', 'not_drifted', 800],
    ]);
    expect(result.report.predictions?.status).toBe('not_drifted');
    expect(result.report.summary.driftedShare).toBe(0);
  });

  it('flags exactly the shifted feature and the shifted predictions', async () => {
    const id = await publishTiny('1.0.0');
    await ingest(id, new Date(NOW.getTime() - 60_000), (batch) => {
      likeReference(batch);
      batch.features[1] = { name: 'b', counts: [0, 0, 0, 100, 300, 0] };
      batch.predictions = { counts: [40, 40, 320], topScore: batch.predictions?.topScore ?? [] };
    });
    const { report } = await versionDriftReport(drift, { model: 'tiny' }, NOW);
    expect(report.features.map((f) => f.status)).toEqual(['not_drifted', 'drifted']);
    expect(report.predictions).toMatchObject({ name: 'predictions', status: 'drifted' });
    expect(report.summary).toMatchObject({ features: 2, drifted: 1, driftedShare: 0.5 });
  });

  it('says insufficient_data for every feature without telemetry, and for too few samples', async () => {
    const id = await publishTiny('1.0.0');
    const empty = await versionDriftReport(drift, { model: 'tiny' }, NOW);
    expect(empty).toMatchObject({ buckets: 0, batches: 0, runs: 0 });
    expect(empty.report.features.map((f) => f.status)).toEqual(['insufficient_data', 'insufficient_data']);
    await ingest(id, new Date(NOW.getTime() - 60_000), (batch) => {
      batch.features = [
        { name: 'a', counts: [0, 3, 3, 3, 3, 0] },
        { name: 'b', counts: [0, 0, 0, 0, 12, 0] },
      ];
    });
    const few = await versionDriftReport(drift, { model: 'tiny' }, NOW);
    expect(few.report.features.map((f) => f.status)).toEqual(['insufficient_data', 'insufficient_data']);
  });

  it('sums only the buckets that start within [since, until), since rounded down to its minute', async () => {
    const id = await publishTiny('1.0.0');
    await ingest(id, new Date(NOW.getTime() - 3 * 3600_000), likeReference);
    await ingest(id, new Date(NOW.getTime() - 30 * 60_000), likeReference);
    await ingest(id, NOW, likeReference);
    const hour = await versionDriftReport(
      drift,
      { model: 'tiny', since: new Date(NOW.getTime() - 3600_000) },
      NOW,
    );
    expect(hour).toMatchObject({ buckets: 2, since: '2026-12-01T11:00:00.000Z', until: NOW.toISOString() });
    const day = await versionDriftReport(drift, { model: 'tiny' }, NOW);
    expect(day.buckets).toBe(3);
    const before = await versionDriftReport(
      drift,
      {
        model: 'tiny',
        since: new Date(NOW.getTime() - 4 * 3600_000),
        until: new Date(NOW.getTime() - 3600_000),
      },
      NOW,
    );
    expect(before.buckets).toBe(1);
  });

  it('reports on the latest version unless one is named, each with its own telemetry', async () => {
    const old = await publishTiny('1.0.0');
    await publishTiny('1.1.0');
    await ingest(old, new Date(NOW.getTime() - 60_000), likeReference);
    expect(await versionDriftReport(drift, { model: 'tiny' }, NOW)).toMatchObject({
      version: '1.1.0',
      runs: 0,
    });
    expect(await versionDriftReport(drift, { model: 'tiny', version: '1.0.0' }, NOW)).toMatchObject({
      version: '1.0.0',
      runs: 400,
    });
  });

  it('applies the server-wide and per-model drift settings', async () => {
    const id = await publishTiny('1.0.0');
    await ingest(id, new Date(NOW.getTime() - 60_000), likeReference);
    drift.settings = parseDriftSettings('{"pValueThreshold":0.01,"models":{"tiny":{"minLiveSamples":1000}}}');
    const { report } = await versionDriftReport(drift, { model: 'tiny' }, NOW);
    expect(report.options).toMatchObject({ pValueThreshold: 0.01, minLiveSamples: 1000 });
    expect(report.features.map((f) => f.status)).toEqual(['insufficient_data', 'insufficient_data']);
  });

  it('refuses unknown models and versions, a version without a profile, and an empty range', async () => {
    await publishTiny('1.0.0');
    await publishTiny('2.0.0', (m) => delete m.reference);
    await expect(versionDriftReport(drift, { model: 'nope' }, NOW)).rejects.toMatchObject({
      code: 'MODEL_NOT_FOUND',
    });
    await expect(versionDriftReport(drift, { model: 'tiny', version: '9.9.9' }, NOW)).rejects.toMatchObject({
      code: 'BUNDLE_NOT_FOUND',
    });
    await expect(versionDriftReport(drift, { model: 'tiny', version: '2.0.0' }, NOW)).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: 'version: tiny@2.0.0 has no reference profile, so there is nothing to compare with',
    });
    await expect(
      versionDriftReport(
        drift,
        { model: 'tiny', version: '1.0.0', since: NOW, until: new Date(NOW.getTime() - 60_000) },
        NOW,
      ),
    ).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringMatching(/^since: .* is not before until/),
    });
  });
});
