import Database from 'better-sqlite3';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { systemActor } from '../services/deps.ts';
import { publishVersion } from '../services/publish.ts';
import { registryQueries } from '../services/registry-queries.ts';
import { createTempDeps } from '../testing/temp-deps.ts';
import { tinyManifest, uploadTiny } from '../testing/tiny-bundle.ts';
import { telemetryBatch } from '../testing/telemetry-batch.ts';
import { aggregateOf } from './aggregate.ts';
import type { TelemetryDurability } from './settings.ts';
import { createSqliteTelemetryStore, rawConnectionOf, withSynchronous } from './sqlite-store.ts';
import { describeTelemetryStore } from './store-contract.ts';

async function fixture(durability: TelemetryDurability) {
  const deps = createTempDeps();
  const files = await uploadTiny(deps);
  const ids: number[] = [];
  for (const version of ['1.0.0', '2.0.0']) {
    await publishVersion(deps, { manifest: { ...tinyManifest(), version }, files }, systemActor);
    const row = registryQueries(deps.db).version.get({ name: 'tiny', version });
    if (!row) throw new Error(`tiny@${version} was not published`);
    ids.push(row.id);
  }
  return {
    deps,
    store: createSqliteTelemetryStore(deps.db, { durability }),
    versionIds: [ids[0] as number, ids[1] as number] as [number, number],
    dispose: () => deps.dispose(),
  };
}

describeTelemetryStore('SQLite (better-sqlite3 on a temp file)', () => fixture('full'));
// The relaxed commit (FERRY_TELEMETRY_DURABILITY=normal) keeps every promise of the contract.
describeTelemetryStore('SQLite with durability "normal"', () => fixture('normal'));

describe('createSqliteTelemetryStore with durability "normal"', () => {
  it('relaxes only its own commits: the connection is back to synchronous=FULL after an ingest', async () => {
    const { deps, store, versionIds, dispose } = await fixture('normal');
    try {
      const sqlite = rawConnectionOf(deps.db);
      const FULL = 2;
      expect(sqlite.pragma('synchronous', { simple: true })).toBe(FULL);
      const outcome = await store.ingest({
        batchId: '0'.repeat(32),
        versionId: versionIds[0],
        minute: '2026-12-01T10:00:00.000Z',
        aggregate: aggregateOf(telemetryBatch({ runs: 1 })),
        receivedAt: new Date('2026-12-01T10:00:30.000Z'),
      });
      expect(outcome).toBe('accepted');
      expect(sqlite.pragma('synchronous', { simple: true })).toBe(FULL);
    } finally {
      dispose();
    }
  });

  it('commits at synchronous=NORMAL from the first group on, and restores FULL after each', async () => {
    const { deps, dispose } = await fixture('normal');
    try {
      const sqlite = rawConnectionOf(deps.db);
      const synchronous = () => sqlite.pragma('synchronous', { simple: true });
      const [NORMAL, FULL] = [1, 2];
      for (let group = 0; group < 3; group++) {
        expect(withSynchronous(deps.db, 'normal', synchronous)).toBe(NORMAL);
        expect(synchronous()).toBe(FULL);
      }
      expect(() =>
        withSynchronous(deps.db, 'normal', () => {
          throw new Error('the commit failed');
        }),
      ).toThrow('the commit failed');
      expect(synchronous()).toBe(FULL);
      expect(withSynchronous(deps.db, 'full', synchronous)).toBe(FULL);
    } finally {
      dispose();
    }
  });

  it('refuses a group with UNAVAILABLE when another connection keeps the write lock, recording none of it', async () => {
    const { deps, store, versionIds, dispose } = await fixture('normal');
    const other = new Database(path.join(deps.dataDir, 'ferry.db'));
    try {
      const sqlite = rawConnectionOf(deps.db);
      sqlite.pragma('busy_timeout = 20');
      const input = (n: number) => ({
        batchId: n.toString(16).padStart(32, '0'),
        versionId: versionIds[0],
        minute: '2026-12-01T10:00:00.000Z',
        aggregate: aggregateOf(telemetryBatch({ runs: 2 })),
        receivedAt: new Date('2026-12-01T10:00:30.000Z'),
      });
      other.prepare('BEGIN IMMEDIATE').run();
      const refused = await Promise.allSettled([store.ingest(input(1)), store.ingest(input(2))]);
      other.prepare('COMMIT').run();
      for (const outcome of refused)
        expect(outcome).toMatchObject({ status: 'rejected', reason: { code: 'UNAVAILABLE' } });

      // Sent again, as clients do after the 503: each counted once.
      expect(await Promise.all([store.ingest(input(1)), store.ingest(input(2))])).toEqual([
        'accepted',
        'accepted',
      ]);
      const buckets = await store.buckets({
        versionId: versionIds[0],
        from: new Date('2026-12-01T10:00:00.000Z'),
        to: new Date('2026-12-01T11:00:00.000Z'),
      });
      expect(buckets.map((bucket) => bucket.aggregate.runs)).toEqual([4]);
    } finally {
      other.close();
      dispose();
    }
  });

  it('starts a rolled-up minute afresh: the cached bucket is forgotten with the deleted row', async () => {
    const { store, versionIds, dispose } = await fixture('normal');
    try {
      const batch = (n: number, runs: number) =>
        store.ingest({
          batchId: n.toString(16).padStart(32, '0'),
          versionId: versionIds[0],
          minute: '2026-12-01T10:00:00.000Z',
          aggregate: aggregateOf(telemetryBatch({ runs })),
          receivedAt: new Date('2026-12-01T10:00:30.000Z'),
        });
      await batch(1, 3);
      await batch(2, 4);
      expect(await store.rollUp(new Date('2026-12-01T12:00:00.000Z'))).toBe(1);
      await batch(3, 5);
      const buckets = await store.buckets({
        versionId: versionIds[0],
        from: new Date('2026-12-01T00:00:00.000Z'),
        to: new Date('2026-12-02T00:00:00.000Z'),
      });
      expect(buckets.map((b) => [b.granularity, b.aggregate.runs])).toEqual([
        ['hour', 7],
        ['minute', 5],
      ]);
    } finally {
      dispose();
    }
  });

  it('refuses an id that is not 32 lowercase hex digits and keeps the rest of its group', async () => {
    const { store, versionIds, dispose } = await fixture('normal');
    try {
      const batch = (batchId: string, runs: number) =>
        store.ingest({
          batchId,
          versionId: versionIds[0],
          minute: '2026-12-01T10:00:00.000Z',
          aggregate: aggregateOf(telemetryBatch({ runs })),
          receivedAt: new Date('2026-12-01T10:00:30.000Z'),
        });
      // One group. Stored as 16 bytes, an upper-case or short id would alias a real one.
      const outcomes = await Promise.allSettled([
        batch('A'.repeat(32), 1),
        batch('a'.repeat(31), 2),
        batch('a'.repeat(32), 4),
      ]);
      expect(outcomes.map((o) => (o.status === 'fulfilled' ? o.value : o.reason.code))).toEqual([
        'INVALID_INPUT',
        'INVALID_INPUT',
        'accepted',
      ]);
      const buckets = await store.buckets({
        versionId: versionIds[0],
        from: new Date('2026-12-01T00:00:00.000Z'),
        to: new Date('2026-12-02T00:00:00.000Z'),
      });
      expect(buckets.map((b) => [b.aggregate.runs, b.aggregate.batches])).toEqual([[4, 1]]);
    } finally {
      dispose();
    }
  });

  it('forgets what a group that failed to commit merged into a cached bucket', async () => {
    const { store, versionIds, dispose } = await fixture('normal');
    try {
      const batch = (n: number, runs: number, versionId = versionIds[0]) =>
        store.ingest({
          batchId: n.toString(16).padStart(32, '0'),
          versionId,
          minute: '2026-12-01T10:00:00.000Z',
          aggregate: aggregateOf(telemetryBatch({ runs })),
          receivedAt: new Date('2026-12-01T10:00:30.000Z'),
        });
      await batch(1, 1);
      // One group: the second batch names no version, so its id breaks a foreign key and the
      // whole transaction rolls back after the first was merged into the cached bucket.
      const outcomes = await Promise.allSettled([batch(2, 2), batch(3, 4, 999_999)]);
      expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected']);
      expect(await batch(4, 8)).toBe('accepted');
      const buckets = await store.buckets({
        versionId: versionIds[0],
        from: new Date('2026-12-01T00:00:00.000Z'),
        to: new Date('2026-12-02T00:00:00.000Z'),
      });
      expect(buckets.map((b) => [b.aggregate.runs, b.aggregate.batches])).toEqual([[9, 2]]);
      // The rolled-back batch counts when it comes again.
      expect(await batch(2, 2)).toBe('accepted');
    } finally {
      dispose();
    }
  });
});
