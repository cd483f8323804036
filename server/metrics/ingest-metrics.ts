import { Counter, type Registry } from 'prom-client';
import type { ErrorCode } from '$shared';

/**
 * What the telemetry ingest reports about each batch it handles. Implementations never throw:
 * counting must not fail an ingest.
 */
export interface IngestMetrics {
  /** A batch was merged into its bucket; `runs` is the batch's run count. */
  accepted(runs: number): void;
  /** A replayed batch id was answered without changing anything. */
  duplicate(): void;
  /** A batch was refused (bad body, unknown version, rate limit …) with this code. */
  refused(code: ErrorCode): void;
}

/** Ingest counters registered on `registry`: `ferry_telemetry_batches_total` and `ferry_telemetry_runs_total`. */
export function createIngestMetrics(registry: Registry): IngestMetrics {
  const batches = new Counter({
    name: 'ferry_telemetry_batches_total',
    help: 'Telemetry batches by result (accepted, duplicate, refused) and, for refused ones, the error code.',
    labelNames: ['result', 'code'] as const,
    registers: [registry],
  });
  const runs = new Counter({
    name: 'ferry_telemetry_runs_total',
    help: 'Runs reported by accepted telemetry batches.',
    registers: [registry],
  });
  // Present from the first scrape, so that rate() sees the first batch.
  batches.inc({ result: 'accepted', code: '' }, 0);
  batches.inc({ result: 'duplicate', code: '' }, 0);
  return {
    accepted(count) {
      batches.inc({ result: 'accepted', code: '' });
      if (Number.isFinite(count) && count > 0) runs.inc(count);
    },
    duplicate() {
      batches.inc({ result: 'duplicate', code: '' });
    },
    refused(code) {
      batches.inc({ result: 'refused', code });
    },
  };
}
