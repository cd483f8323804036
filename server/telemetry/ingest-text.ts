import { ErrorCode, FerryError, TelemetryBatch, describeIssue } from '$shared';
import { isTelemetryBatch } from '$shared/schemas/telemetry-batch-check.ts';
import type { TelemetryIngest } from './ingest.ts';
import type { Receiver } from './receiver.ts';
import type { IngestOutcome } from './store.ts';

/** What became of one ingested body: its outcome, and the runs the batch counted. */
export interface Ingested {
  outcome: IngestOutcome;
  runs: number;
}

/**
 * Ingests request bodies as they came off the wire: the part of `POST /api/v1/telemetry` after
 * HTTP. Runs on the ingest thread (ingest-thread/) or, with the thread off, in the server's own.
 */
export interface TextIngest {
  /**
   * Parses, checks and stores one body, and hands `receiver` what became of it after the commit,
   * or a refusal: INVALID_INPUT naming what is wrong (not JSON, the schema's first issue, or what
   * does not fit the version), MODEL_NOT_FOUND or BUNDLE_NOT_FOUND, and nothing is stored then.
   * Never throws. A receiver, not a promise: every ingest request passes here (issue 8).
   */
  ingestText(text: string, receiver: Receiver<Ingested>): void;
}

/** The batch in `text`, or INVALID_INPUT naming what is wrong (not JSON, or the schema's first issue). */
export function parseBatch(text: string): TelemetryBatch {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (cause) {
    throw new FerryError(ErrorCode.INVALID_INPUT, `body: not valid JSON (${(cause as Error).message})`);
  }
  // The precompiled check gives the schema's verdict (batch-check.test.ts); only a refusal pays
  // for zod, which names the field.
  if (isTelemetryBatch(body)) return body;
  const parsed = TelemetryBatch.safeParse(body);
  if (!parsed.success) throw new FerryError(ErrorCode.INVALID_INPUT, describeIssue(parsed.error, 'body'));
  return parsed.data;
}

/** {@link TextIngest} over `ingest`: the one pipeline both hosts (thread or in-process) run. */
export function createTextIngest(ingest: TelemetryIngest): TextIngest {
  return {
    ingestText(text, receiver) {
      let batch: TelemetryBatch;
      try {
        batch = parseBatch(text);
      } catch (error) {
        return receiver.reject(error);
      }
      // Methods, not arrows: where function names are kept (the ingest thread's bundle), each arrow
      // in a property costs a defineProperty per batch.
      ingest.ingest(batch, {
        resolve(outcome) {
          receiver.resolve({ outcome, runs: batch.runs });
        },
        reject(error) {
          receiver.reject(error);
        },
      });
    },
  };
}
