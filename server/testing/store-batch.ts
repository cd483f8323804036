import type { TelemetryBatch } from '$shared';
import { aggregateOf } from '../telemetry/aggregate.ts';
import type { TelemetryStore } from '../telemetry/store.ts';

/**
 * Stores `batch` straight into `store` as the ingest would (its windowStart's minute bucket of
 * `versionId`), received at `receivedAt`, for unit tests that need telemetry without HTTP.
 */
export function storeBatch(
  store: TelemetryStore,
  batch: TelemetryBatch,
  { versionId, receivedAt = new Date() }: { versionId: number; receivedAt?: Date },
) {
  return store.ingest({
    batchId: batch.batchId,
    versionId,
    minute: new Date(batch.windowStart).toISOString(),
    aggregate: aggregateOf(batch),
    receivedAt,
  });
}
