import { readProcedure, router } from '../routers/trpc.ts';
import { TelemetrySummaryInput } from '../telemetry/router.ts';
import { versionDriftReport } from './report.ts';

/**
 * Input of `drift.report`: `telemetry.summary`'s (a model, an optional exact version, an optional
 * ISO range), except that without a version the report is on `latest`.
 */
export const DriftReportInput = TelemetrySummaryInput;

/** Drift detection over the telemetry buckets (scope `read`; `admin` implies it). */
export const driftRouter = router({
  /** The drift report of one model version over a time range (server/drift/report.ts). */
  report: readProcedure.input(DriftReportInput).query(({ ctx, input }) => {
    const { db, blobs, telemetry } = ctx.ferry.deps;
    return versionDriftReport({ db, blobs, telemetry, settings: ctx.ferry.config.drift }, input);
  }),
});
