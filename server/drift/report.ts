import type { DriftOptionsInput, DriftReport } from '$shared/schemas/drift.ts';
import { driftReport, type LiveCounts } from '$shared/stats/drift-report.ts';
import { ErrorCode, FerryError } from '$shared';
import type { FerryQueryable } from '../db/open.ts';
import { sumBuckets } from '../telemetry/aggregate.ts';
import type { BlobStore } from '../storage/blob-store.ts';
import type { TelemetryStore } from '../telemetry/store.ts';
import type { DriftSettings } from './settings.ts';
import { optionsFor } from './settings.ts';
import { versionProfile } from './version-profile.ts';

/** The window a report covers when the caller names none. */
export const DEFAULT_DRIFT_WINDOW_MS = 24 * 3600_000;

/** What {@link versionDriftReport} reads. */
export interface DriftDeps {
  db: FerryQueryable;
  blobs: BlobStore;
  telemetry: TelemetryStore;
  settings: DriftSettings;
}

/** Which version and time range to report on. */
export interface DriftQuery {
  model: string;
  /** An exact version; the `latest` alias when absent. */
  version?: string;
  /** Start of the range; 24 hours before `until` when absent. */
  since?: Date;
  /** End of the range (exclusive); now when absent. */
  until?: Date;
}

/** A drift report for one model version over a time range, with what it was computed from. */
export interface VersionDriftReport {
  model: string;
  version: string;
  /** The range the buckets were taken from, ISO UTC; `since` rounded down to the minute. */
  since: string;
  until: string;
  /** Telemetry buckets, batches and runs the live counts sum. */
  buckets: number;
  batches: number;
  runs: number;
  report: DriftReport;
}

/** `date` rounded down to the minute, so that the bucket holding it is part of the range. */
function floorToMinute(date: Date): Date {
  return new Date(Math.floor(date.getTime() / 60_000) * 60_000);
}

/**
 * The drift of `query.model` at `query.version` (default `latest`) over `[since, until)`: the live
 * feature and prediction counts of every telemetry bucket that starts in the range (minute
 * buckets, or hour buckets once rolled up) summed, and compared with the version's signed
 * reference profile under the model's drift options (docs/drift.md). Throws MODEL_NOT_FOUND /
 * BUNDLE_NOT_FOUND, or INVALID_INPUT for a range that ends before it starts or a version without
 * a reference profile.
 */
export async function versionDriftReport(
  deps: DriftDeps,
  query: DriftQuery,
  now: Date = new Date(),
): Promise<VersionDriftReport> {
  const until = query.until ?? now;
  const since = floorToMinute(query.since ?? new Date(until.getTime() - DEFAULT_DRIFT_WINDOW_MS));
  if (!(since.getTime() < until.getTime())) {
    throw new FerryError(
      ErrorCode.INVALID_INPUT,
      `since: ${since.toISOString()} is not before until (${until.toISOString()})`,
    );
  }
  const profile = await versionProfile(deps, query.model, query.version ?? 'latest');
  const buckets = await deps.telemetry.buckets({ versionId: profile.versionId, from: since, to: until });
  const merged = sumBuckets(buckets);
  const live: LiveCounts = { features: merged?.features ?? [] };
  if (merged?.predictions) live.predictions = { counts: merged.predictions.counts };
  const options: DriftOptionsInput = optionsFor(deps.settings, query.model);
  return {
    model: query.model,
    version: profile.version,
    since: since.toISOString(),
    until: until.toISOString(),
    buckets: buckets.length,
    batches: merged?.batches ?? 0,
    runs: merged?.runs ?? 0,
    report: driftReport(profile.reference, live, options),
  };
}
