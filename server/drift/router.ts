import { z } from 'zod';
import { ModelName, SemVer } from '$shared';
import { readProcedure, router } from '../routers/trpc.ts';
import { versionDriftReport } from './report.ts';

const Instant = z.iso.datetime({ offset: true }).transform((s) => new Date(s));

/** Input of `drift.report`. */
export const DriftReportInput = z.strictObject({
  model: ModelName,
  /** An exact version; `latest` (highest published, else deprecated) when absent. */
  version: SemVer.optional(),
  /** ISO instant; 24 hours before `until` when absent. */
  since: Instant.optional(),
  /** ISO instant (exclusive); now when absent. */
  until: Instant.optional(),
});

/** Drift detection over the telemetry buckets (scope `read`; `admin` implies it). */
export const driftRouter = router({
  /** The drift report of one model version over a time range (server/drift/report.ts). */
  report: readProcedure.input(DriftReportInput).query(({ ctx, input }) => {
    const { db, blobs, telemetry } = ctx.ferry.deps;
    return versionDriftReport({ db, blobs, telemetry, settings: ctx.ferry.config.drift }, input);
  }),
});
