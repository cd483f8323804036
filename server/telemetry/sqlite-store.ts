import type Database from 'better-sqlite3';
import { ErrorCode, FerryError } from '$shared';
import { isBatchId } from '$shared/schemas/telemetry-batch-check.ts';
import { and, asc, eq, gte, lt, sql } from 'drizzle-orm';
import type { FerryDb } from '../db/open.ts';
import { preparedPerHandle } from '../db/prepared.ts';
import { telemetryBatches, telemetryBuckets } from '../db/schema.ts';
import { mergeAggregates } from './aggregate.ts';
import { checkMergeable, copyAggregate, mergeCheckedInto } from './merge-in-place.ts';
import type { TelemetryDurability } from './settings.ts';
import type { Receiver } from './receiver.ts';
import type {
  BucketGranularity,
  IngestInput,
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
function mergeIntoBucket(q: Queries, key: BucketKey, aggregate: TelemetryAggregate): void {
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
        mergeIntoBucket(q, { versionId, start, granularity: 'hour' }, aggregate);
      tx.delete(telemetryBuckets).where(where).run();
      return minutes.length;
    },
    { behavior: 'immediate' },
  );
}

interface Pending {
  input: IngestInput;
  receiver: Receiver<IngestOutcome>;
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
  id: string;
  key: BucketKey;
  /** The bucket as it stands in this transaction; merged into in place. */
  aggregate: TelemetryAggregate | null;
  changed: boolean;
}

// On the raw connection: drizzle's parameter mapping cost more than these one-row statements.
const ingestStatements = preparedPerHandle((sqlite: Database.Database) => ({
  recordBatch: sqlite.prepare<[Buffer, number, number]>(
    'INSERT INTO telemetry_batches (batch_id, version_id, received_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING',
  ),
  bucket: sqlite
    .prepare<[number, string, string], string>(
      'SELECT aggregate FROM telemetry_buckets WHERE version_id = ? AND start = ? AND granularity = ?',
    )
    .pluck(),
  saveBucket: sqlite.prepare<[number, string, string, string]>(
    'INSERT INTO telemetry_buckets (version_id, start, granularity, aggregate) VALUES (?, ?, ?, ?) ' +
      'ON CONFLICT (version_id, start, granularity) DO UPDATE SET aggregate = excluded.aggregate',
  ),
}));
type IngestStatements = ReturnType<typeof ingestStatements>;

/**
 * `telemetry_batches`' key for a batch id: its 32 lowercase hex digits as 16 bytes (one id, one
 * key), or null for any other string, which no batch on the wire has (shared/schemas/telemetry.ts).
 */
function batchKeyOf(batchId: string): Buffer | null {
  return isBatchId(batchId) ? Buffer.from(batchId, 'hex') : null;
}

function notABatchId(batchId: string): FerryError {
  return new FerryError(
    ErrorCode.INVALID_INPUT,
    `batchId: must be 32 lowercase hex digits, not "${batchId.slice(0, 64)}"`,
  );
}

/** `iso` remembering its last answer: a group's batches mostly share a minute. */
function lastIso() {
  let input: string | number | null = null;
  let output = '';
  return (value: string | Date): string => {
    const key = typeof value === 'string' ? value : value.getTime();
    if (key !== input) {
      output = iso(value);
      input = key;
    }
    return output;
  };
}

/**
 * Ingests `group` inside the caller's transaction and returns each batch's outcome (or the error
 * that refused it), with every bucket it touched. Each bucket is read once (from `cache`, or else
 * from the table), merged into in place, and written once for the whole group. A batch is checked
 * to fit its bucket (and its id to be one) before its id is recorded and merged, so a batch that fails leaves no trace
 * and a duplicate (even within the group) changes nothing. The cached aggregates it merged into
 * hold uncommitted counts until the transaction commits: the caller drops them if it does not.
 */
function ingestGroup(
  statements: IngestStatements,
  group: readonly IngestInput[],
  context: { cache: BucketCache; buckets: Map<string, GroupBucket> },
): (IngestOutcome | { error: unknown })[] {
  const { cache, buckets } = context;
  const minuteIso = lastIso();
  const outcomes = group.map((input): IngestOutcome | { error: unknown } => {
    const start = minuteIso(input.minute);
    const id = `${input.versionId} ${start}`;
    let bucket = buckets.get(id);
    if (!bucket) {
      const key: BucketKey = { versionId: input.versionId, start, granularity: 'minute' };
      let aggregate = cache.get(id) ?? null;
      if (aggregate === null) {
        const stored = statements.bucket.get(key.versionId, key.start, key.granularity);
        aggregate = stored === undefined ? null : (JSON.parse(stored) as TelemetryAggregate);
      }
      bucket = { id, key, aggregate, changed: false };
      buckets.set(id, bucket);
    }
    try {
      if (bucket.aggregate) checkMergeable(bucket.aggregate, input.aggregate);
    } catch (error) {
      return { error };
    }
    const batchKey = batchKeyOf(input.batchId);
    if (batchKey === null) return { error: notABatchId(input.batchId) };
    const recorded = statements.recordBatch.run(batchKey, input.versionId, input.receivedAt.getTime());
    if (recorded.changes === 0) return 'duplicate';
    if (bucket.aggregate) mergeCheckedInto(bucket.aggregate, input.aggregate);
    else bucket.aggregate = copyAggregate(input.aggregate);
    bucket.changed = true;
    return 'accepted';
  });
  for (const { key, aggregate, changed } of buckets.values()) {
    if (aggregate && changed)
      statements.saveBucket.run(key.versionId, key.start, key.granularity, JSON.stringify(aggregate));
  }
  return outcomes;
}

/**
 * Runs `commit` with the connection's `synchronous` pragma at `durability`, then restores
 * FULL (server/db/open.ts), so that only telemetry commits are relaxed. Synchronous code on the
 * one connection: no other transaction can commit in between. Each pragma is prepared anew:
 * SQLite applies `synchronous = …` when the statement is compiled, and a prepared one run again
 * applies it or not depending on the release (https://sqlite.org/pragma.html; in 3.53 its first
 * run did nothing, so the first group committed at FULL). Exported for its test.
 */
export function withSynchronous<T>(db: FerryDb, durability: TelemetryDurability, commit: () => T): T {
  if (durability === 'full') return commit();
  const sqlite = rawConnectionOf(db);
  sqlite.pragma('synchronous = NORMAL');
  try {
    return commit();
  } finally {
    sqlite.pragma('synchronous = FULL');
  }
}

/**
 * The better-sqlite3 connection under `db` (drizzle's `$client`, which FerryDb's type leaves out).
 * Exported for the tests, which read the connection's pragmas.
 */
export function rawConnectionOf(db: FerryDb): Database.Database {
  return (db as unknown as { $client: Database.Database }).$client;
}

/**
 * What the batches of a group whose commit failed are refused with. SQLITE_BUSY (another
 * connection held the write lock past the busy timeout: registry writes back to back on the
 * server's thread can starve the ingest thread's) is UNAVAILABLE, which the route answers with
 * 503 and Retry-After, so clients send them again: nothing of the group was recorded. Any other
 * failure stays what it is (an internal error).
 */
function groupRefusal(error: unknown): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !code.startsWith('SQLITE_BUSY')) return error;
  return new FerryError(ErrorCode.UNAVAILABLE, 'telemetry: the database stayed busy; retry after 1 s', {
    cause: error,
  });
}

/**
 * Group commit: ingests arriving in the same turn of the event loop share one IMMEDIATE
 * transaction, so a burst costs one WAL sync and one read and write per bucket instead of one
 * per batch. better-sqlite3 commits synchronously, so the next group starts as soon as this one
 * has committed: under load a group holds every batch whose body arrived meanwhile. Every
 * promise settles after the COMMIT, so an `accepted` is as durable as `durability` says; if the
 * commit fails, every batch of the group is refused and none is recorded.
 */
function createGroupCommit(db: FerryDb, durability: TelemetryDurability) {
  let pending: Pending[] = [];
  const cache = bucketCacheOf(db);
  const sqlite = rawConnectionOf(db);
  const statements = ingestStatements(sqlite);
  const transaction = sqlite.transaction(
    (inputs: readonly IngestInput[], buckets: Map<string, GroupBucket>) =>
      ingestGroup(statements, inputs, { cache, buckets }),
  );
  const flush = () => {
    const group = pending;
    pending = [];
    const buckets = new Map<string, GroupBucket>();
    let outcomes: ReturnType<typeof ingestGroup>;
    try {
      const inputs = group.map((item) => item.input);
      outcomes = withSynchronous(db, durability, () => transaction.immediate(inputs, buckets));
    } catch (error) {
      // Rolled back: cached aggregates merged into in place hold counts the table does not.
      for (const id of buckets.keys()) cache.delete(id);
      const refusal = groupRefusal(error);
      for (const item of group) item.receiver.reject(refusal);
      return;
    }
    // Committed: the cache now holds what the table holds.
    if (cache.size >= CACHED_BUCKETS) cache.clear();
    for (const bucket of buckets.values()) if (bucket.aggregate) cache.set(bucket.id, bucket.aggregate);
    group.forEach((item, i) => {
      const outcome = outcomes[i] as IngestOutcome | { error: unknown };
      if (typeof outcome === 'string') item.receiver.resolve(outcome);
      else item.receiver.reject(outcome.error);
    });
  };
  return (input: IngestInput, receiver: Receiver<IngestOutcome>): void => {
    if (pending.length === 0) setImmediate(flush);
    pending.push({ input, receiver });
  };
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
  const ingestThen = createGroupCommit(db, options.durability ?? 'full');
  return {
    ingest: (input) => new Promise((resolve, reject) => ingestThen(input, { resolve, reject })),
    ingestThen,

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
      return db.delete(telemetryBatches).where(lt(telemetryBatches.receivedAt, before.getTime())).run()
        .changes;
    },
  };
}
