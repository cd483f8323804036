import { and, asc, eq, gte, lt, sql } from 'drizzle-orm';
import type { FerryDb } from '../db/open.ts';
import { preparedPerHandle } from '../db/prepared.ts';
import { telemetryBatches, telemetryBuckets } from '../db/schema.ts';
import { mergeAggregates } from './aggregate.ts';
import type {
  BucketGranularity,
  IngestOutcome,
  TelemetryAggregate,
  TelemetryBucket,
  TelemetryStore,
} from './store.ts';

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

type BucketKey = { versionId: number; start: string; granularity: BucketGranularity };

/** Merges `aggregate` into the bucket at `key` (creating it), inside the caller's transaction. */
function mergeInto(q: Queries, key: BucketKey, aggregate: TelemetryAggregate): void {
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

type IngestInput = Parameters<TelemetryStore['ingest']>[0];
interface Pending {
  input: IngestInput;
  resolve(outcome: IngestOutcome): void;
  reject(error: unknown): void;
}

/**
 * Ingests `group` inside the caller's transaction and returns each batch's outcome (or the error
 * that refused it). Each bucket is read and written once for the whole group; a batch's id is
 * recorded only after its aggregate merged cleanly, so a batch that fails leaves no trace and a
 * duplicate (even within the group) changes nothing.
 */
function ingestGroup(q: Queries, group: readonly IngestInput[]): (IngestOutcome | { error: unknown })[] {
  const buckets = new Map<string, { key: BucketKey; aggregate: TelemetryAggregate | null }>();
  const outcomes = group.map((input): IngestOutcome | { error: unknown } => {
    const key: BucketKey = { versionId: input.versionId, start: iso(input.minute), granularity: 'minute' };
    const id = `${key.versionId} ${key.start}`;
    let bucket = buckets.get(id);
    if (!bucket) {
      const stored = q.bucket.get(key);
      bucket = { key, aggregate: stored ? (JSON.parse(stored.aggregate) as TelemetryAggregate) : null };
      buckets.set(id, bucket);
    }
    let merged: TelemetryAggregate;
    try {
      merged = bucket.aggregate ? mergeAggregates(bucket.aggregate, input.aggregate) : input.aggregate;
    } catch (error) {
      return { error };
    }
    const recorded = q.recordBatch.run({
      batchId: input.batchId,
      versionId: input.versionId,
      receivedAt: iso(input.receivedAt),
    });
    if (recorded.changes === 0) return 'duplicate';
    bucket.aggregate = merged;
    return 'accepted';
  });
  for (const { key, aggregate } of buckets.values()) {
    if (aggregate) q.saveBucket.run({ ...key, aggregate: JSON.stringify(aggregate) });
  }
  return outcomes;
}

/**
 * Group commit: ingests arriving in the same turn of the event loop share one IMMEDIATE
 * transaction, so a burst costs one WAL sync and one read and write per bucket instead of one
 * per batch. Every promise settles after the COMMIT, so an `accepted` is durable; if the commit
 * fails, every batch of the group is refused and none is recorded.
 */
function createGroupCommit(db: FerryDb) {
  let pending: Pending[] = [];
  const flush = () => {
    const group = pending;
    pending = [];
    let outcomes: ReturnType<typeof ingestGroup>;
    try {
      const q = queries(db);
      outcomes = db.transaction(
        () =>
          ingestGroup(
            q,
            group.map((item) => item.input),
          ),
        {
          behavior: 'immediate',
        },
      );
    } catch (error) {
      for (const item of group) item.reject(error);
      return;
    }
    group.forEach((item, i) => {
      const outcome = outcomes[i] as IngestOutcome | { error: unknown };
      if (typeof outcome === 'string') item.resolve(outcome);
      else item.reject(outcome.error);
    });
  };
  return (input: IngestInput) =>
    new Promise<IngestOutcome>((resolve, reject) => {
      if (pending.length === 0) setImmediate(flush);
      pending.push({ input, resolve, reject });
    });
}

/**
 * The {@link TelemetryStore} on Ferry's SQLite database (tables `telemetry_batches` and
 * `telemetry_buckets`, server/db/schema.ts). Buckets hold their aggregate as JSON; an ingest
 * merges into its minute bucket and inserts the batch id in one IMMEDIATE transaction, shared
 * with the other ingests of the same event-loop turn (group commit), so concurrent writers never
 * lose an update and a burst costs one WAL sync.
 */
export function createSqliteTelemetryStore(db: FerryDb): TelemetryStore {
  const ingest = createGroupCommit(db);
  return {
    ingest,

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
