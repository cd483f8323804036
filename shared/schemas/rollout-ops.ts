import { z } from 'zod';
import { BUCKETS, ControlDocument, Rollout, TargetingCondition } from './control.ts';
import { ModelName, SemVer, VersionStatus } from './manifest.ts';

/** A share of devices in percent, 0–100, to at most two decimals (one basis point). */
const Percent = z
  .number()
  .min(0, 'must be between 0 and 100')
  .max(100, 'must be between 0 and 100')
  .refine((p) => Math.abs(p * 100 - Math.round(p * 100)) < 1e-9, 'must have at most two decimals');

/** Either `percent` or `basisPoints` (10,000 = 100 %), exactly one. */
const Share = {
  percent: Percent.optional(),
  basisPoints: z.number().int().min(0).max(BUCKETS).optional(),
};

const oneShare = (value: { percent?: number | undefined; basisPoints?: number | undefined }) =>
  (value.percent === undefined) !== (value.basisPoints === undefined);
const ONE_SHARE = { path: ['percent'], message: 'give either percent (0–100) or basisPoints (0–10000)' };

/** The basis points a {@link Share} stands for. */
export function basisPointsOf(share: {
  percent?: number | undefined;
  basisPoints?: number | undefined;
}): number {
  return share.basisPoints ?? Math.round((share.percent ?? 0) * 100);
}

/** Input of `rollouts.start`: send `candidate` to a share of the devices that match `targeting`. */
export const RolloutStartInput = z
  .object({
    model: ModelName,
    candidate: SemVer,
    ...Share,
    targeting: z.array(TargetingCondition).max(32).default([]),
  })
  .refine(oneShare, ONE_SHARE);
export type RolloutStartInput = z.infer<typeof RolloutStartInput>;

/** Input of `rollouts.setPercentage`: the running rollout's new share. */
export const RolloutShareInput = z.object({ model: ModelName, ...Share }).refine(oneShare, ONE_SHARE);
export type RolloutShareInput = z.infer<typeof RolloutShareInput>;

/** Input of the operations on a model as a whole (`promote`, `rollback`, `status`). */
export const ModelInput = z.object({ model: ModelName });
export type ModelInput = z.infer<typeof ModelInput>;

/** Input of the operations on one version (`setStable`, `block`, `unblock`). */
export const ModelVersionInput = z.object({ model: ModelName, version: SemVer });
export type ModelVersionInput = z.infer<typeof ModelVersionInput>;

/** A model's control as operators see it: the current document's content plus what it is derived from. */
export const ControlStatus = z.object({
  model: ModelName,
  metadataVersion: z.number().int().positive(),
  issuedAt: z.iso.datetime(),
  expires: z.iso.datetime(),
  stable: SemVer.nullable(),
  /** The version pinned as stable (`setStable`, `promote`), or null: stable follows `latest`. */
  pinnedStable: SemVer.nullable(),
  rollout: Rollout.nullable(),
  blocked: z.array(SemVer),
  lastChange: ControlDocument.shape.lastChange,
  versions: z.array(z.object({ version: SemVer, status: VersionStatus })),
});
export type ControlStatus = z.infer<typeof ControlStatus>;
