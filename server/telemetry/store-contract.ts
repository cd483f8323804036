import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { telemetryBatch } from '../testing/telemetry-batch.ts';
import { aggregateOf } from './aggregate.ts';
import type { TelemetryAggregate, TelemetryStore } from './store.ts';

/** A store under test over a fresh database holding two real versions. */
export interface StoreFixture {
  store: TelemetryStore;
  /** Ids of two distinct versions the store may hold telemetry for. */
  versionIds: readonly [number, number];
  dispose(): void | Promise<void>;
}

const T0 = Date.parse('2026-12-01T10:00:00.000Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000);
const minute = (minutes: number) => at(minutes).toISOString();
const aggregate = (runs: number, edit?: Parameters<typeof telemetryBatch>[1]): TelemetryAggregate =>
  aggregateOf(telemetryBatch({ runs }, edit));
const id = (n: number) => n.toString(16).padStart(32, '0');

/**
 * The behaviour every {@link TelemetryStore} must show, written once and run per implementation
 * (SQLite now, Postgres later), the way drizzle runs one suite per driver. `makeStore` is called
 * before each test and must give a store over an empty database.
 */
export function describeTelemetryStore(name: string, makeStore: () => Promise<StoreFixture>): void {
  describe(`TelemetryStore contract: ${name}`, () => {
    let fixture: StoreFixture;
    let store: TelemetryStore;
    let v1: number;
    let v2: number;
    beforeEach(async () => {
      fixture = await makeStore();
      store = fixture.store;
      [v1, v2] = fixture.versionIds;
    });
    afterEach(() => fixture.dispose());

    const ingest = (n: number, runs: number, options: { version?: number; at?: number } = {}) =>
      store.ingest({
        batchId: id(n),
        versionId: options.version ?? v1,
        minute: minute(options.at ?? 0),
        aggregate: aggregate(runs),
        receivedAt: at(options.at ?? 0),
      });
    // A batch whose feature `a` has 2 counts where the stored bucket has 6: merging it must fail.
    const ingestMisfit = (n: number) =>
      store.ingest({
        batchId: id(n),
        versionId: v1,
        minute: minute(0),
        aggregate: aggregate(1, (b) => void (b.features[0] = { name: 'a', counts: [1, 2] })),
        receivedAt: at(0),
      });
    const all = (versionId = v1) => store.buckets({ versionId, from: at(-10_000), to: at(10_000) });

    it('stores an accepted batch in the minute bucket of its window start', async () => {
      expect(await ingest(1, 7, { at: 3 })).toBe('accepted');
      const buckets = await all();
      expect(buckets).toHaveLength(1);
      expect(buckets[0]).toMatchObject({ start: minute(3), granularity: 'minute' });
      expect(buckets[0]?.aggregate).toEqual(aggregate(7));
    });

    it('merges batches of the same minute and keeps minutes apart, oldest first', async () => {
      await ingest(1, 2, { at: 5 });
      await ingest(2, 3, { at: 1 });
      await ingest(3, 4, { at: 5 });
      const buckets = await all();
      expect(buckets.map((b) => [b.start, b.aggregate.runs, b.aggregate.batches])).toEqual([
        [minute(1), 3, 1],
        [minute(5), 6, 2],
      ]);
      expect(buckets[1]?.aggregate.features[0]?.counts).toEqual([0, 6, 0, 0, 0, 0]);
    });

    it('answers duplicate to a replayed batch id and changes nothing, whatever the replay holds', async () => {
      await ingest(1, 5);
      const before = await all();
      expect(await ingest(1, 5)).toBe('duplicate');
      expect(await ingest(1, 99, { at: 7 })).toBe('duplicate');
      expect(await ingest(1, 99, { version: v2 })).toBe('duplicate');
      expect(await all()).toEqual(before);
      expect(await all(v2)).toEqual([]);
    });

    it('reads buckets in [from, to) of one version only', async () => {
      await ingest(1, 1, { at: 0 });
      await ingest(2, 2, { at: 1 });
      await ingest(3, 3, { at: 2 });
      await ingest(4, 4, { at: 1, version: v2 });
      const range = await store.buckets({ versionId: v1, from: at(1), to: at(2) });
      expect(range.map((b) => b.aggregate.runs)).toEqual([2]);
      expect((await all(v2)).map((b) => b.aggregate.runs)).toEqual([4]);
    });

    it("hands ingestThen's receiver the outcome or the refusal that ingest gives", async () => {
      const input = (n: number, edit?: Parameters<typeof telemetryBatch>[1]) => ({
        batchId: id(n),
        versionId: v1,
        minute: minute(0),
        aggregate: aggregate(3, edit),
        receivedAt: at(0),
      });
      const received = (batch: ReturnType<typeof input>) =>
        new Promise<unknown>((resolve) => store.ingestThen(batch, { resolve, reject: resolve }));
      expect(await received(input(1))).toBe('accepted');
      expect(await received(input(1))).toBe('duplicate');
      const misfit = input(2, (b) => void (b.features[0] = { name: 'a', counts: [1, 2] }));
      expect(await received(misfit)).toMatchObject({ message: expect.stringMatching(/features\.a\.counts/) });
      expect((await all()).map((b) => [b.aggregate.runs, b.aggregate.batches])).toEqual([[3, 1]]);
    });

    it('keeps nothing of an ingest that fails: neither the bucket change nor the batch id', async () => {
      await ingest(1, 5);
      const before = await all();
      await expect(ingestMisfit(2)).rejects.toThrow(/features\.a\.counts/);
      expect(await all()).toEqual(before);
      expect(await ingest(2, 1)).toBe('accepted');
    });

    it('fails only the misfit among concurrent ingests: the others are stored, it leaves no trace', async () => {
      const outcomes = await Promise.allSettled([ingest(1, 2), ingestMisfit(2), ingest(3, 4)]);
      expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      expect((await all())[0]?.aggregate).toMatchObject({ runs: 6, batches: 2 });
      expect(await ingest(2, 1)).toBe('accepted');
    });

    it('counts every one of many concurrent ingests exactly once, and a concurrent replay once', async () => {
      const outcomes = await Promise.all([
        ...Array.from({ length: 40 }, (_, i) => ingest(100 + i, 1)),
        ...Array.from({ length: 10 }, () => ingest(500, 1)),
      ]);
      expect(outcomes.filter((o) => o === 'accepted')).toHaveLength(41);
      expect((await all())[0]?.aggregate.runs).toBe(41);
    });

    it('rolls minute buckets before the cutoff into hour buckets, keeping every count', async () => {
      await ingest(1, 1, { at: 0 });
      await ingest(2, 2, { at: 59 });
      await ingest(3, 4, { at: 60 });
      await ingest(4, 8, { at: 61 });
      await ingest(5, 16, { at: 0, version: v2 });
      expect(await store.rollUp(at(61))).toBe(4);
      const buckets = await all();
      expect(buckets.map((b) => [b.start, b.granularity, b.aggregate.runs, b.aggregate.batches])).toEqual([
        [minute(0), 'hour', 3, 2],
        [minute(60), 'hour', 4, 1],
        [minute(61), 'minute', 8, 1],
      ]);
      expect((await all(v2)).map((b) => [b.granularity, b.aggregate.runs])).toEqual([['hour', 16]]);
    });

    it('rolls up idempotently, and into an hour bucket that already exists', async () => {
      await ingest(1, 1, { at: 10 });
      expect(await store.rollUp(at(30))).toBe(1);
      expect(await store.rollUp(at(30))).toBe(0);
      await ingest(2, 2, { at: 20 });
      expect(await store.rollUp(at(30))).toBe(1);
      expect((await all()).map((b) => [b.granularity, b.aggregate.runs, b.aggregate.batches])).toEqual([
        ['hour', 3, 2],
      ]);
    });

    it('still refuses a replay after its bucket was rolled up', async () => {
      await ingest(1, 1);
      await store.rollUp(at(120));
      expect(await ingest(1, 1)).toBe('duplicate');
      expect((await all()).map((b) => b.aggregate.runs)).toEqual([1]);
    });

    it('forgets batch ids received before the cutoff, so those count again', async () => {
      await ingest(1, 1, { at: 0 });
      await ingest(2, 1, { at: 10 });
      expect(await store.pruneBatchIds(at(5))).toBe(1);
      expect(await store.pruneBatchIds(at(5))).toBe(0);
      expect(await ingest(1, 1, { at: 0 })).toBe('accepted');
      expect(await ingest(2, 1, { at: 10 })).toBe('duplicate');
    });
  });
}
