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

/**
 * Ingest counters registered on `registry`: `ferry_telemetry_batches_total` and
 * `ferry_telemetry_runs_total`. A batch adds to plain numbers; prom-client's label hashing (a
 * string built and looked up per `inc`) runs only at scrape time, as for the HTTP counters.
 */
export function createIngestMetrics(registry: Registry): IngestMetrics {
  let accepted = 0;
  let duplicates = 0;
  let acceptedRuns = 0;
  const refused = new Map<ErrorCode, number>();
  new Counter({
    name: 'ferry_telemetry_batches_total',
    help: 'Telemetry batches by result (accepted, duplicate, refused) and, for refused ones, the error code.',
    labelNames: ['result', 'code'] as const,
    registers: [registry],
    collect() {
      this.reset();
      // Present from the first scrape, so that rate() sees the first batch.
      this.inc({ result: 'accepted', code: '' }, accepted);
      this.inc({ result: 'duplicate', code: '' }, duplicates);
      for (const [code, count] of refused) this.inc({ result: 'refused', code }, count);
    },
  });
  new Counter({
    name: 'ferry_telemetry_runs_total',
    help: 'Runs reported by accepted telemetry batches.',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(acceptedRuns);
    },
  });
  return {
    accepted(count) {
      accepted++;
      if (Number.isFinite(count) && count > 0) acceptedRuns += count;
    },
    duplicate() {
      duplicates++;
    },
    refused(code) {
      refused.set(code, (refused.get(code) ?? 0) + 1);
    },
  };
}
