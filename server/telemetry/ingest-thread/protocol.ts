import { isExposable } from '../../error-map.ts';
import type { ErrorCode } from '$shared';
import type { TelemetryDurability, TelemetrySettings } from '../settings.ts';
import type { Ingested } from '../ingest-text.ts';
import type { RetentionPass } from '../retention.ts';

/** What the ingest thread is started with (its `workerData`). */
export interface IngestThreadData {
  /** The SQLite file the server opened and migrated; the thread opens its own connection to it. */
  databaseFile: string;
  /** The blob store's data dir: version shapes read reference profiles from it. */
  dataDir: string;
  durability: TelemetryDurability;
  retention: Pick<TelemetrySettings, 'rollupIntervalMs' | 'minuteRetentionMs' | 'dedupRetentionMs'>;
}

/** A refusal as it crosses the thread boundary: the FerryError's code and message, or `internal`. */
export type WireRefusal = { error: { code: ErrorCode; message: string } } | { internal: true };

/** One body's result, in the order the bodies were sent. */
export type WireResult = Ingested | WireRefusal;

/** Server → thread. */
export type ToThread =
  /** The bodies that arrived in one turn of the server's event loop, answered by one `ingested`. */
  | { type: 'ingest'; group: number; texts: string[] }
  | { type: 'retention'; id: number }
  | { type: 'stop-retention' };

/** Thread → server. */
export type FromThread =
  | { type: 'ingested'; group: number; results: WireResult[] }
  | { type: 'retention'; id: number; pass: RetentionPass | null };

/**
 * `error` as it crosses to the server: a FerryError that may be shown keeps its code and message
 * (the route answers exactly what it would in-process); anything else is `internal`, and the
 * caller logs it where it happened, since its stack does not cross.
 */
export function refusalOf(error: unknown): WireRefusal {
  return isExposable(error) ? { error: { code: error.code, message: error.message } } : { internal: true };
}
