import type Database from 'better-sqlite3';
import { and, asc, eq, gte, lt, sql } from 'drizzle-orm';
import type { FerryDb } from '../db/open.ts';
import { preparedPerHandle } from '../db/prepared.ts';
import { telemetryBatches, telemetryBuckets } from '../db/schema.ts';
import { mergeAggregates } from './aggregate.ts';
import type { TelemetryDurability } from './settings.ts';
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

/** Past this many cached minute buckets the cache starts over (minutes move on; old ones go cold). */
const CACHED_BUCKETS = 1024;

/**
 * The decoded aggregate of recently written minute buckets, by `versionId start`, exactly as
 * committed: an ingest merges into it instead of reading and parsing the bucket's JSON again.
 * Shared by every store on one database handle (only these stores write buckets); entries are
 * replaced only after their transaction committed, and the whole cache is dropped when a roll-up
 * deletes minute buckets.
 */
type BucketCache = Map<string, TelemetryAggregate>;
const bucketCaches = new WeakMap<FerryDb, BucketCache>();

function bucketCacheOf(db: FerryDb): BucketCache {
  let cache = bucketCaches.get(db);
  if (!cache) bucketCaches.set(db, (cache = new Map()));
  return cache;
}

interface GroupBucket {
  key: BucketKey;
  aggregate: TelemetryAggregate | null;
  changed: boolean;
}

/**
 * Ingests `group` inside the caller's transaction and returns each batch's outcome (or the error
 * that refused it), with the buckets as they now stand. Each bucket is read (from `cache`, or
 * else from the table) and written once for the whole group; a batch's id is recorded only after
 * its aggregate merged cleanly, so a batch that fails leaves no trace and a duplicate (even within
 * the group) changes nothing.
 */
function ingestGroup(
  q: Queries,
  group: readonly IngestInput[],
  cache: BucketCache,
): { outcomes: (IngestOutcome | { error: unknown })[]; buckets: Map<string, GroupBucket> } {
  const buckets = new Map<string, GroupBucket>();
  const outcomes = group.map((input): IngestOutcome | { error: unknown } => {
    const key: BucketKey = { versionId: input.versionId, start: iso(input.minute), granularity: 'minute' };
    const id = `${key.versionId} ${key.start}`;
    let bucket = buckets.get(id);
    if (!bucket) {
      let aggregate = cache.get(id) ?? null;
      if (aggregate === null) {
        const stored = q.bucket.get(key);
        aggregate = stored ? (JSON.parse(stored.aggregate) as TelemetryAggregate) : null;
      }
      bucket = { key, aggregate, changed: false };
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
    bucket.changed = true;
    return 'accepted';
  });
  for (const { key, aggregate, changed } of buckets.values()) {
    if (aggregate && changed) q.saveBucket.run({ ...key, aggregate: JSON.stringify(aggregate) });
  }
  return { outcomes, buckets };
}

/**
 * Runs `commit` with the connection's `synchronous` pragma at `durability`, then restores
 * FULL (server/db/open.ts), so that only telemetry commits are relaxed. Synchronous code on the
 * one connection: no other transaction can commit in between.
 */
function withSynchronous<T>(db: FerryDb, durability: TelemetryDurability, commit: () => T): T {
  if (durability === 'full') return commit();
  const { relax, restore } = pragmas(rawConnectionOf(db));
  relax.run();
  try {
    return commit();
  } finally {
    restore.run();
  }
}

/** The better-sqlite3 connection under `db` (drizzle's `$client`, which FerryDb's type leaves out). */
function rawConnectionOf(db: FerryDb): Database.Database {
  return (db as unknown as { $client: Database.Database }).$client;
}

// Prepared once on the raw connection: through drizzle each pragma was a one-time query per group.
const pragmas = preparedPerHandle((sqlite: Database.Database) => ({
  relax: sqlite.prepare('PRAGMA synchronous = NORMAL'),
  restore: sqlite.prepare('PRAGMA synchronous = FULL'),
}));

/**
 * Group commit: ingests arriving in the same turn of the event loop share one IMMEDIATE
 * transaction, so a burst costs one WAL sync and one read and write per bucket instead of one
 * per batch. Every promise settles after the COMMIT, so an `accepted` is as durable as `durability`
 * says; if the commit
 * fails, every batch of the group is refused and none is recorded.
 */
function createGroupCommit(db: FerryDb, durability: TelemetryDurability) {
  let pending: Pending[] = [];
  const cache = bucketCacheOf(db);
  const flush = () => {
    const group = pending;
    pending = [];
    let outcomes: ReturnType<typeof ingestGroup>['outcomes'];
    try {
      const q = queries(db);
      const inputs = group.map((item) => item.input);
      const result = withSynchronous(db, durability, () =>
        db.transaction(() => ingestGroup(q, inputs, cache), { behavior: 'immediate' }),
      );
      // Committed: the cache now holds what the table holds.
      if (cache.size >= CACHED_BUCKETS) cache.clear();
      for (const [id, bucket] of result.buckets) if (bucket.aggregate) cache.set(id, bucket.aggregate);
      outcomes = result.outcomes;
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
 * lose an update and a burst costs one WAL sync (none with `durability: 'normal'`, settings.ts).
 */
export function createSqliteTelemetryStore(
  db: FerryDb,
  options: { durability?: TelemetryDurability } = {},
): TelemetryStore {
  const ingest = createGroupCommit(db, options.durability ?? 'full');
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
      // Minute buckets are about to be deleted: forget them first, whatever the roll-up does.
      bucketCacheOf(db).clear();
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
