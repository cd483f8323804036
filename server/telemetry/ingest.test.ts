import type { TelemetryBatch } from '$shared';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { systemActor } from '../services/deps.ts';
import { publishVersion } from '../services/publish.ts';
import { createTempDeps, type TempDeps } from '../testing/temp-deps.ts';
import { minuteOf, telemetryBatch, tinyReference } from '../testing/telemetry-batch.ts';
import { publishTinyWithReference, tinyManifest } from '../testing/tiny-bundle.ts';
import { createTelemetryIngest } from './ingest.ts';
import type { IngestOutcome } from './store.ts';

let deps: TempDeps;
const NOW = new Date('2026-12-01T12:00:30.000Z');

beforeEach(async () => {
  deps = createTempDeps();
  const files = await publishTinyWithReference(deps);
  // 2.0.0: the profile in a `reference` file, and labels only in the profile.
  const profile = Buffer.from(JSON.stringify(tinyReference));
  const { sha256, size } = await deps.blobs.put(Readable.from([profile]), { maxBytes: 1 << 20 });
  const manifest = { ...tinyManifest(), version: '2.0.0', labels: undefined };
  manifest.files = [...manifest.files, { path: 'reference.json', role: 'reference' }];
  await publishVersion(
    deps,
    { manifest, files: [...files, { path: 'reference.json', sha256, size }] },
    systemActor,
  );
});
afterEach(() => deps.dispose());

/** The service under test, with what it hands its receiver as a promise. */
function ingest() {
  const service = createTelemetryIngest({ db: deps.db, blobs: deps.blobs, store: deps.telemetry }, () => NOW);
  return {
    ingest: (batch: TelemetryBatch) =>
      new Promise<IngestOutcome>((resolve, reject) => service.ingest(batch, { resolve, reject })),
  };
}
const at = (minute: string) => ({ windowStart: minute, windowEnd: minute });

describe('createTelemetryIngest', () => {
  it('stores a fitting batch in the minute bucket of its windowStart, and a replay as duplicate', async () => {
    const batch = telemetryBatch({ runs: 4, ...at('2026-12-01T11:58:00Z') });
    expect(await ingest().ingest(batch)).toBe('accepted');
    expect(await ingest().ingest(batch)).toBe('duplicate');
    const buckets = await deps.telemetry.buckets({ versionId: 1, from: new Date(0), to: NOW });
    expect(buckets.map((b) => [b.start, b.aggregate.runs])).toEqual([['2026-12-01T11:58:00.000Z', 4]]);
  });

  it('reads the profile from a reference file and the labels from the profile', async () => {
    expect(await ingest().ingest(telemetryBatch({ version: '2.0.0', ...at(minuteOf(NOW)) }))).toBe(
      'accepted',
    );
    await expect(
      ingest().ingest(telemetryBatch({ version: '2.0.0' }, (b) => void (b.predictions!.counts = [1]))),
    ).rejects.toThrow(/^predictions\.counts: tiny@2\.0\.0 has 3 labels/);
  });

  it('refuses a batch that does not fit the version, naming the field, and stores nothing', async () => {
    const service = ingest();
    const refuse = (edit: Parameters<typeof telemetryBatch>[1]) =>
      service.ingest(telemetryBatch({ ...at(minuteOf(NOW)) }, edit));
    await expect(
      refuse((b) => void (b.features[1] = { name: 'b', counts: [0, 0, 0] })),
    ).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringMatching(/^features\.1\.counts: tiny@1\.0\.0's "b" takes 6 counts/),
    });
    await expect(refuse((b) => void (b.features[0]!.name = 'c'))).rejects.toThrow(/^features\.0\.name: "c"/);
    await expect(refuse((b) => void (b.model = 'other'))).rejects.toMatchObject({ code: 'MODEL_NOT_FOUND' });
    await expect(refuse((b) => void (b.version = '3.0.0'))).rejects.toMatchObject({
      code: 'BUNDLE_NOT_FOUND',
    });
    expect(
      await deps.telemetry.buckets({ versionId: 1, from: new Date(0), to: new Date(NOW.getTime() + 1e9) }),
    ).toEqual([]);
  });

  it('takes a window up to 5 minutes ahead of its clock and refuses one further ahead', async () => {
    expect(await ingest().ingest(telemetryBatch(at('2026-12-01T12:05:00Z')))).toBe('accepted');
    await expect(ingest().ingest(telemetryBatch(at('2026-12-01T12:06:00Z')))).rejects.toThrow(
      /^windowStart: 2026-12-01T12:06:00Z is more than 5 minutes ahead/,
    );
  });
});
