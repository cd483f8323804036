import { z } from 'zod';
import { ModelName, SemVer } from '$shared';
import { readProcedure, router } from '../routers/trpc.ts';
import { telemetrySummary } from './summary.ts';

const Instant = z.iso.datetime({ offset: true }).transform((s) => new Date(s));

/** Input of `telemetry.summary`. */
export const TelemetrySummaryInput = z.strictObject({
  model: ModelName,
  /** An exact version; every version of the model, side by side, when absent. */
  version: SemVer.optional(),
  /** ISO instant; 24 hours before `until` when absent. */
  since: Instant.optional(),
  /** ISO instant (exclusive); now when absent. */
  until: Instant.optional(),
});

/** What devices reported (scope `read`; `admin` implies it). */
export const telemetryRouter = router({
  /** Runs over time, error rates, latency quantiles, backend mix and loads (server/telemetry/summary.ts). */
  summary: readProcedure
    .input(TelemetrySummaryInput)
    .query(({ ctx, input }) =>
      telemetrySummary({ db: ctx.ferry.deps.db, telemetry: ctx.ferry.deps.telemetry }, input),
    ),
});
