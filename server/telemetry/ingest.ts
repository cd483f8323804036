import { ErrorCode, FerryError, type TelemetryBatch } from '$shared';
import type { FerryDb } from '../db/open.ts';
import type { BlobStore } from '../storage/blob-store.ts';
import { aggregateOf } from './aggregate.ts';
import type { Receiver } from './receiver.ts';
import type { IngestOutcome, TelemetryStore } from './store.ts';
import { createVersionShapes, type VersionShape } from './version-shape.ts';

/**
 * How far ahead of the server's clock a window may start: device clocks drift, but a window far in
 * the future would sit in a bucket nobody reads yet and dodge the retention.
 */
export const MAX_CLOCK_SKEW_MS = 5 * 60_000;

/** Accepts telemetry batches into the store. */
export interface TelemetryIngest {
  /**
   * Checks `batch` (already schema-valid) against its version and merges it into the minute bucket
   * its `windowStart` falls in (the whole window counts in its first minute), handing `receiver`
   * the outcome after the commit. Refuses with MODEL_NOT_FOUND / BUNDLE_NOT_FOUND (404) for an
   * unknown model or version and INVALID_INPUT (400) naming the field that does not fit the
   * version, and stores nothing then. Never throws.
   */
  ingest(batch: TelemetryBatch, receiver: Receiver<IngestOutcome>): void;
}

function invalid(message: string): FerryError {
  return new FerryError(ErrorCode.INVALID_INPUT, message);
}

/** Throws INVALID_INPUT naming the first field of `batch` that does not fit `shape`. */
function checkShape(batch: TelemetryBatch, shape: VersionShape): void {
  const { features } = batch;
  for (let index = 0; index < features.length; index++) {
    const feature = features[index] as TelemetryBatch['features'][number];
    const expected = shape.featureCounts.get(feature.name);
    if (expected === undefined) {
      throw invalid(
        `features.${index}.name: "${feature.name}" is not a feature of ${shape.label}'s reference profile`,
      );
    }
    if (feature.counts.length !== expected) {
      throw invalid(
        `features.${index}.counts: ${shape.label}'s "${feature.name}" takes ${expected} counts (its bins or categories plus under/overflow or "other"), not ${feature.counts.length}`,
      );
    }
  }
  const predictions = batch.predictions;
  if (predictions === undefined) return;
  if (shape.labelCount === null)
    throw invalid(`predictions: ${shape.label} has no labels to count predictions by`);
  if (predictions.counts.length !== shape.labelCount) {
    throw invalid(
      `predictions.counts: ${shape.label} has ${shape.labelCount} labels, so takes ${shape.labelCount} counts, not ${predictions.counts.length}`,
    );
  }
}

/** The ingest service over `store`, resolving versions in `deps.db`. */
export function createTelemetryIngest(
  deps: { db: FerryDb; blobs: BlobStore; store: TelemetryStore },
  now: () => Date = () => new Date(),
): TelemetryIngest {
  const shapes = createVersionShapes(deps);
  /** Checks `batch` against `shape` (throwing what {@link TelemetryIngest.ingest} refuses) and stores it. */
  const ingestInto = (batch: TelemetryBatch, shape: VersionShape, receiver: Receiver<IngestOutcome>) => {
    checkShape(batch, shape);
    const receivedAt = now();
    if (Date.parse(batch.windowStart) > receivedAt.getTime() + MAX_CLOCK_SKEW_MS) {
      throw invalid(
        `windowStart: ${batch.windowStart} is more than ${MAX_CLOCK_SKEW_MS / 60_000} minutes ahead of the server's clock`,
      );
    }
    deps.store.ingestThen(
      {
        batchId: batch.batchId,
        versionId: shape.versionId,
        minute: batch.windowStart,
        aggregate: aggregateOf(batch),
        receivedAt,
      },
      receiver,
    );
  };
  /** {@link ingestInto}, its throw handed to `receiver`. */
  const ingestChecked = (batch: TelemetryBatch, shape: VersionShape, receiver: Receiver<IngestOutcome>) => {
    try {
      ingestInto(batch, shape, receiver);
    } catch (error) {
      receiver.reject(error);
    }
  };
  return {
    ingest(batch, receiver) {
      // A version already read costs no wait: every batch but a version's first takes this way.
      const shape = shapes.cached(batch.model, batch.version);
      if (shape !== undefined) return ingestChecked(batch, shape, receiver);
      shapes.shape(batch.model, batch.version).then(
        (found) => ingestChecked(batch, found, receiver),
        (error: unknown) => receiver.reject(error),
      );
    },
  };
}
