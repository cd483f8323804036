import { sql } from 'drizzle-orm';
import { blob, index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

const now = sql`(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`;

/** A named model; its versions hold the content. */
export const models = sqliteTable('models', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  name: text('name').notNull().unique(),
  task: text('task').notNull(),
  description: text('description').notNull(),
  createdAt: text('created_at').notNull().default(now),
});

/**
 * One published version of a model. Content (files, manifest fields) never changes after the
 * publish transaction; only `status` does, and each change re-signs `envelope`.
 */
export const versions = sqliteTable(
  'versions',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    modelId: integer('model_id')
      .notNull()
      .references(() => models.id),
    version: text('version').notNull(),
    status: text('status', { enum: ['published', 'deprecated', 'yanked'] }).notNull(),
    publishedAt: text('published_at').notNull(),
    metadataVersion: integer('metadata_version').notNull(),
    /** Total bytes of all files. */
    size: integer('size').notNull(),
    /** The signed envelope exactly as served, and the sha256 of those bytes (the ETag). */
    envelope: text('envelope').notNull(),
    envelopeSha256: text('envelope_sha256').notNull(),
    publishedBy: integer('published_by').references(() => apiTokens.id),
  },
  (t) => [uniqueIndex('versions_model_version').on(t.modelId, t.version)],
);

/** The files of a version, each naming the blob that holds its bytes. */
export const versionFiles = sqliteTable(
  'version_files',
  {
    versionId: integer('version_id')
      .notNull()
      .references(() => versions.id),
    path: text('path').notNull(),
    role: text('role').notNull(),
    sha256: text('sha256')
      .notNull()
      .references(() => blobs.sha256),
    size: integer('size').notNull(),
  },
  (t) => [primaryKey({ columns: [t.versionId, t.path] }), index('version_files_sha256').on(t.sha256)],
);

/** Blobs referenced by at least one committed version: only these are ever served. */
export const blobs = sqliteTable('blobs', {
  sha256: text('sha256').primaryKey(),
  size: integer('size').notNull(),
  createdAt: text('created_at').notNull().default(now),
});

/**
 * The compiled form made at publish of each ONNX file (server/compile/), by the file's blob and
 * the onnxruntime release that made it: a later version with the same file names the same
 * compiled blob, so devices that cached it download nothing new.
 */
export const compiledForms = sqliteTable(
  'compiled_forms',
  {
    sourceSha256: text('source_sha256')
      .notNull()
      .references(() => blobs.sha256),
    onnxruntime: text('onnxruntime').notNull(),
    sha256: text('sha256')
      .notNull()
      .references(() => blobs.sha256),
    size: integer('size').notNull(),
  },
  (t) => [primaryKey({ columns: [t.sourceSha256, t.onnxruntime] })],
);

/** API tokens, stored only as the sha256 of the secret. */
export const apiTokens = sqliteTable('api_tokens', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  name: text('name').notNull(),
  /** The first characters of the secret, shown in listings so a person can tell tokens apart. */
  prefix: text('prefix').notNull(),
  hash: text('hash').notNull().unique(),
  /** Comma-separated scopes, e.g. `publish,admin`. */
  scopes: text('scopes').notNull(),
  createdAt: text('created_at').notNull().default(now),
  createdBy: integer('created_by'),
  lastUsedAt: text('last_used_at'),
  revokedAt: text('revoked_at'),
});

/** Who did what, when: one row per mutation. */
export const auditLog = sqliteTable('audit_log', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  at: text('at').notNull().default(now),
  /** Token id of the actor, or null for the server itself (bootstrap, example publishing). */
  actorTokenId: integer('actor_token_id'),
  actor: text('actor').notNull(),
  action: text('action').notNull(),
  target: text('target').notNull(),
  /** JSON object with the action's particulars. */
  details: text('details').notNull().default('{}'),
});

/** Small server-wide values, such as the metadata version counter. */
export const meta = sqliteTable('meta', {
  key: text('key').primaryKey(),
  value: integer('value').notNull(),
});

/**
 * Idempotency records of ingested telemetry batches: a batch id here was merged into its bucket
 * in the same transaction, so a replay is recognised and changes nothing. Pruned after the
 * dedup retention (server/telemetry/retention.ts).
 *
 * Every accepted batch inserts here at a random place (ids are random), so rows are kept small:
 * the id as its 16 bytes and the time as an integer, in a WITHOUT ROWID table (migration 0003;
 * drizzle cannot declare one, so a migration that rebuilds this table must say it again), where
 * the id's B-tree is the table itself rather than a second B-tree beside a rowid table.
 */
export const telemetryBatches = sqliteTable(
  'telemetry_batches',
  {
    /** The wire's 32 hex digits as 16 bytes. */
    batchId: blob('batch_id', { mode: 'buffer' }).primaryKey(),
    versionId: integer('version_id')
      .notNull()
      .references(() => versions.id),
    /** When the batch was accepted, in milliseconds since the Unix epoch. */
    receivedAt: integer('received_at').notNull(),
  },
  (t) => [index('telemetry_batches_received_at').on(t.receivedAt)],
);

/**
 * Telemetry of one version summed over one minute or hour: the merged aggregate as JSON
 * (server/telemetry/store.ts `TelemetryAggregate`). Minute buckets are rolled up into hour
 * buckets after the minute retention.
 */
export const telemetryBuckets = sqliteTable(
  'telemetry_buckets',
  {
    versionId: integer('version_id')
      .notNull()
      .references(() => versions.id),
    /** First instant of the bucket, ISO UTC with milliseconds (`2026-12-01T23:41:00.000Z`), so text order is time order. */
    start: text('start').notNull(),
    granularity: text('granularity', { enum: ['minute', 'hour'] }).notNull(),
    aggregate: text('aggregate').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.versionId, t.start, t.granularity] }),
    index('telemetry_buckets_granularity_start').on(t.granularity, t.start),
  ],
);

/**
 * The control state of one model (issue 9) and its signed `ferry/control` document exactly as
 * served. The state columns are what operators set; the envelope is derived from them and the
 * model's versions, and is re-signed (new metadataVersion) in the transaction of every change.
 */
export const controls = sqliteTable(
  'controls',
  {
    modelId: integer('model_id')
      .primaryKey()
      .references(() => models.id),
    /** The stable version an operator pinned, or null: stable then follows `latest`. */
    pinnedStable: text('pinned_stable'),
    /** The active rollout as JSON (shared `Rollout`), or null. */
    rollout: text('rollout'),
    /** JSON array of blocked versions, sorted by semver. */
    blocked: text('blocked').notNull().default('[]'),
    metadataVersion: integer('metadata_version').notNull(),
    /** ISO UTC instant the document stops being acceptable; the re-signer renews it before. */
    expires: text('expires').notNull(),
    envelope: text('envelope').notNull(),
    envelopeSha256: text('envelope_sha256').notNull(),
  },
  (t) => [index('controls_expires').on(t.expires)],
);
