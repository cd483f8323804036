import { and, asc, eq, gte, lt, sql } from 'drizzle-orm';
import type { FerryDb } from '../db/open.ts';
import { preparedPerHandle } from '../db/prepared.ts';
import { telemetryBatches, telemetryBuckets } from '../db/schema.ts';
import { mergeAggregates } from './aggregate.ts';
import type { BucketGranularity, TelemetryAggregate, TelemetryBucket, TelemetryStore } from './store.ts';

const HOUR_MS = 3600_000;

// Bucket starts are stored as `Date.toISOString()` (fixed width, milliseconds included), so that
// comparing the text compares the instants.
const iso = (date: Date | string) => new Date(date).toISOString();

function prepare(db: FerryDb) {
  const bucketKey = and(
    eq(telemetryBuckets.versionId, sql.placeholder('versionId')),
    eq(telemetryBuckets.start, sql.placeholder('start')),
    eq(telemetryBuckets.granularity, sql.placeholder('granularity')),
  );
  return {
    recordBatch: db
      .insert(telemetryBatches)
      .values({
        batchId: sql.placeholder('batchId'),
        versionId: sql.placeholder('versionId'),
        receivedAt: sql.placeholder('receivedAt'),
      })
      .onConflictDoNothing()
      .prepare(),
    bucket: db
      .select({ aggregate: telemetryBuckets.aggregate })
      .from(telemetryBuckets)
      .where(bucketKey)
      .prepare(),
    saveBucket: db
      .insert(telemetryBuckets)
      .values({
        versionId: sql.placeholder('versionId'),
        start: sql.placeholder('start'),
        granularity: sql.placeholder('granularity'),
        aggregate: sql.placeholder('aggregate'),
      })
      .onConflictDoUpdate({
        target: [telemetryBuckets.versionId, telemetryBuckets.start, telemetryBuckets.granularity],
        set: { aggregate: sql`excluded.aggregate` },
      })
      .prepare(),
    range: db
      .select()
      .from(telemetryBuckets)
      .where(
        and(
          eq(telemetryBuckets.versionId, sql.placeholder('versionId')),
          gte(telemetryBuckets.start, sql.placeholder('from')),
          lt(telemetryBuckets.start, sql.placeholder('to')),
        ),
      )
      .orderBy(asc(telemetryBuckets.start), asc(telemetryBuckets.granularity))
      .prepare(),
  };
}

const queries = preparedPerHandle(prepare);

type Queries = ReturnType<typeof prepare>;

/** Merges `aggregate` into the bucket at `key` (creating it), inside the caller's transaction. */
function mergeInto(
  q: Queries,
  key: { versionId: number; start: string; granularity: BucketGranularity },
  aggregate: TelemetryAggregate,
): void {
  const stored = q.bucket.get(key);
  const merged = stored
    ? mergeAggregates(JSON.parse(stored.aggregate) as TelemetryAggregate, aggregate)
    : aggregate;
  q.saveBucket.run({ ...key, aggregate: JSON.stringify(merged) });
}

/** Rolls up the minute buckets of one version that start before `before`; returns how many. */
function rollUpVersion(db: FerryDb, versionId: number, before: string): number {
  const q = queries(db);
  return db.transaction(
    (tx) => {
      const where = and(
        eq(telemetryBuckets.versionId, versionId),
        eq(telemetryBuckets.granularity, 'minute'),
        lt(telemetryBuckets.start, before),
      );
      const minutes = tx
        .select()
        .from(telemetryBuckets)
        .where(where)
        .orderBy(asc(telemetryBuckets.start))
        .all();
      const hours = new Map<string, TelemetryAggregate>();
      for (const minute of minutes) {
        const hour = iso(new Date(Math.floor(Date.parse(minute.start) / HOUR_MS) * HOUR_MS));
        const aggregate = JSON.parse(minute.aggregate) as TelemetryAggregate;
        const sum = hours.get(hour);
        hours.set(hour, sum ? mergeAggregates(sum, aggregate) : aggregate);
      }
      for (const [start, aggregate] of hours)
        mergeInto(q, { versionId, start, granularity: 'hour' }, aggregate);
      tx.delete(telemetryBuckets).where(where).run();
      return minutes.length;
    },
    { behavior: 'immediate' },
  );
}

/**
 * The {@link TelemetryStore} on Ferry's SQLite database (tables `telemetry_batches` and
 * `telemetry_buckets`, server/db/schema.ts). Buckets hold their aggregate as JSON; an ingest
 * reads, merges and writes its minute bucket and inserts the batch id in one IMMEDIATE
 * transaction, so concurrent writers never lose an update.
 */
export function createSqliteTelemetryStore(db: FerryDb): TelemetryStore {
  return {
    async ingest({ batchId, versionId, minute, aggregate, receivedAt }) {
      const q = queries(db);
      return db.transaction(
        () => {
          const recorded = q.recordBatch.run({ batchId, versionId, receivedAt: iso(receivedAt) });
          if (recorded.changes === 0) return 'duplicate' as const;
          mergeInto(q, { versionId, start: iso(minute), granularity: 'minute' }, aggregate);
          return 'accepted' as const;
        },
        { behavior: 'immediate' },
      );
    },

    async buckets({ versionId, from, to }) {
      const rows = queries(db).range.all({ versionId, from: iso(from), to: iso(to) });
      return rows.map((row): TelemetryBucket => ({
        start: row.start,
        granularity: row.granularity,
        aggregate: JSON.parse(row.aggregate) as TelemetryAggregate,
      }));
    },

    async rollUp(before) {
      const cutoff = iso(before);
      const versionIds = db
        .selectDistinct({ versionId: telemetryBuckets.versionId })
        .from(telemetryBuckets)
        .where(and(eq(telemetryBuckets.granularity, 'minute'), lt(telemetryBuckets.start, cutoff)))
        .all();
      let rolled = 0;
      for (const { versionId } of versionIds) rolled += rollUpVersion(db, versionId, cutoff);
      return rolled;
    },

    async pruneBatchIds(before) {
      return db
        .delete(telemetryBatches)
        .where(lt(telemetryBatches.receivedAt, iso(before)))
        .run().changes;
    },
  };
}
