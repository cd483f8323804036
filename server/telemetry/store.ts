import type { TelemetryBatch } from '$shared';
import type { Receiver } from './receiver.ts';

/**
 * What a batch contributes to a time bucket: the batch without its identity (id, model, version,
 * metadata and SDK versions) and window, plus how many batches were merged. Buckets hold exactly
 * this shape, so a merged bucket and a single batch are read the same way.
 */
export type TelemetryAggregate = Omit<
  TelemetryBatch,
  | 'schemaVersion'
  | 'batchId'
  | 'model'
  | 'version'
  | 'metadataVersion'
  | 'sdkVersion'
  | 'windowStart'
  | 'windowEnd'
> & { batches: number };

/** A bucket's width: minute buckets are rolled up into hour buckets after the retention. */
export type BucketGranularity = 'minute' | 'hour';

/** One stored bucket of one version. */
export interface TelemetryBucket {
  /** First instant of the bucket, ISO UTC, minute- or hour-aligned. */
  start: string;
  granularity: BucketGranularity;
  aggregate: TelemetryAggregate;
}

/** One batch for {@link TelemetryStore.ingest}: its id, version, minute bucket and aggregate. */
export interface IngestInput {
  batchId: string;
  versionId: number;
  minute: string;
  aggregate: TelemetryAggregate;
  receivedAt: Date;
}

/** The outcome of {@link TelemetryStore.ingest}. */
export type IngestOutcome = 'accepted' | 'duplicate';

/**
 * Where telemetry lives: per-version time buckets plus the idempotency records of the batches
 * merged into them. SQLite now (sqlite-store.ts); a Postgres implementation must pass the same
 * behaviour suite (store-contract.ts). Methods are async so that a networked database fits.
 */
export interface TelemetryStore {
  /**
   * Merges `aggregate` into the minute bucket of `versionId` that starts at `minute` and records
   * `batchId`, in one transaction: either both happen or neither. Idempotent for the same batch
   * id: a replay returns `'duplicate'` and changes nothing.
   */
  ingest(input: IngestInput): Promise<IngestOutcome>;

  /**
   * {@link TelemetryStore.ingest} handing the outcome (or the refusal) to `receiver` instead of a
   * promise, exactly once; never throws. The ingest service's way: one promise fewer per batch.
   */
  ingestThen(input: IngestInput, receiver: Receiver<IngestOutcome>): void;

  /** The buckets of `versionId` whose start lies in `[from, to)`, oldest first; minute and hour buckets may mix. */
  buckets(query: { versionId: number; from: Date; to: Date }): Promise<TelemetryBucket[]>;

  /**
   * Merges every minute bucket that starts before `before` into the hour bucket it falls in, in
   * one transaction per version, and returns how many minute buckets were rolled up. Idempotent.
   */
  rollUp(before: Date): Promise<number>;

  /** Forgets idempotency records received before `before` (replays older than that count again); returns how many. */
  pruneBatchIds(before: Date): Promise<number>;
}
