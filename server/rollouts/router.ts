import {
  ModelInput,
  ModelVersionInput,
  RolloutCompareInput,
  RolloutShareInput,
  RolloutStartInput,
} from '$shared';
import { operatorProcedure, readOrOperatorProcedure, router } from '../routers/trpc.ts';
import {
  blockVersion,
  controlStatus,
  promoteRollout,
  rollbackRollout,
  setRolloutShare,
  setStable,
  startRollout,
  unblockVersion,
} from './service.ts';
import { rolloutComparison } from './status-telemetry.ts';

/**
 * Rollouts, the stable version and blocks (issue 9): each mutation re-signs the model's control
 * document, is audited and needs the `operator` scope (`admin` implies it); each answers the
 * model's control status as it is after the change.
 */
export const rolloutsRouter = router({
  /** The model's control status: stable (pinned or not), rollout, blocked versions, document validity. */
  status: readOrOperatorProcedure
    .input(ModelInput)
    .query(({ ctx, input }) => controlStatus(ctx.ferry.deps, input.model)),
  /**
   * Stable and candidate side by side: runs, error rate by code, latency p50/p95 per backend and
   * loads, from the telemetry devices sent, with the rollout (read or operator: operators decide on it).
   */
  compare: readOrOperatorProcedure
    .input(RolloutCompareInput)
    .query(({ ctx, input }) => rolloutComparison(ctx.ferry.deps, input)),
  /** Starts a rollout of `candidate` to `percent` (or `basisPoints`) of the devices matching `targeting`. */
  start: operatorProcedure
    .input(RolloutStartInput)
    .mutation(({ ctx, input }) => startRollout(ctx.ferry.deps, input, ctx.actor)),
  /** Changes the running rollout's share of devices. */
  setPercentage: operatorProcedure
    .input(RolloutShareInput)
    .mutation(({ ctx, input }) => setRolloutShare(ctx.ferry.deps, input, ctx.actor)),
  /** The candidate becomes the pinned stable version; the rollout ends. */
  promote: operatorProcedure
    .input(ModelInput)
    .mutation(({ ctx, input }) => promoteRollout(ctx.ferry.deps, input.model, ctx.actor)),
  /** The candidate is blocked and every device returns to stable; the rollout ends. */
  rollback: operatorProcedure
    .input(ModelInput)
    .mutation(({ ctx, input }) => rollbackRollout(ctx.ferry.deps, input.model, ctx.actor)),
  /** Pins the stable version (clients without a rollout run it). */
  setStable: operatorProcedure
    .input(ModelVersionInput)
    .mutation(({ ctx, input }) => setStable(ctx.ferry.deps, input, ctx.actor)),
  /** Blocks a version: no client may run it (the kill switch). */
  block: operatorProcedure
    .input(ModelVersionInput)
    .mutation(({ ctx, input }) => blockVersion(ctx.ferry.deps, input, ctx.actor)),
  /** Lifts a version's block. */
  unblock: operatorProcedure
    .input(ModelVersionInput)
    .mutation(({ ctx, input }) => unblockVersion(ctx.ferry.deps, input, ctx.actor)),
});
