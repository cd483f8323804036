import type { RolloutCompareInput, RolloutComparison, VersionTelemetry } from '$shared';
import type { ServiceDeps } from '../services/deps.ts';
import { telemetrySummary } from '../telemetry/summary.ts';
import { controlStatus } from './service.ts';

const DAY_MS = 24 * 3600_000;
const MINUTE_MS = 60_000;

/**
 * The telemetry of `model`'s stable version and of its rollout's candidate side by side, over one
 * range for both (issue 9, point 5). Without `since` the range starts when the rollout started
 * (floored to its minute bucket, so the candidate's first minute counts) but looks back no more
 * than 24 hours; without a rollout, 24 hours. Throws MODEL_NOT_FOUND, or INVALID_INPUT when
 * `since` is after `until`.
 */
export async function rolloutComparison(
  deps: Pick<ServiceDeps, 'db' | 'telemetry'>,
  input: RolloutCompareInput,
  now: Date = new Date(),
): Promise<RolloutComparison> {
  const status = controlStatus(deps, input.model);
  const until = input.until ?? now;
  const started = status.rollout
    ? Math.floor(Date.parse(status.rollout.startedAt) / MINUTE_MS) * MINUTE_MS
    : -Infinity;
  const since = input.since ?? new Date(Math.max(started, until.getTime() - DAY_MS));
  const side = async (version: string | null): Promise<VersionTelemetry | null> => {
    if (version === null) return null;
    const summary = await telemetrySummary(deps, { model: input.model, version, since, until }, now);
    return summary.versions[0] ?? null;
  };
  const [stable, candidate] = await Promise.all([
    side(status.stable),
    side(status.rollout?.candidate ?? null),
  ]);
  return {
    model: input.model,
    since: since.toISOString(),
    until: until.toISOString(),
    rollout: status.rollout ? { ...status.rollout, percent: status.rollout.basisPoints / 100 } : null,
    stable,
    candidate,
  };
}
