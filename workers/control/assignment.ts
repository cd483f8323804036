import { BUCKETS, type ControlAction, type ControlDocument } from '$shared/schemas/control.ts';
import { failedCondition, type DeviceFacts } from './targeting.ts';

/** Why a device runs the version it runs. */
export type AssignmentReason =
  | 'stable'
  | 'in-rollout'
  | 'outside-percentage'
  | 'not-targeted'
  | 'blocked'
  | 'exact-version'
  | 'no-control';

/** The version control assigns this device for one model, and why. */
export interface Assignment {
  /**
   * What should run; null without control, when nothing may run (reason `blocked`), or when the
   * document has no stable version (reason `stable`: the channel loads as before control).
   */
  version: string | null;
  /** The document's stable version (null without control or when none can be served). */
  stable: string | null;
  /** The rollout in the document, whether or not this device is in it. */
  rollout: { id: string; candidate: string; percent: number } | null;
  reason: AssignmentReason;
  /** The document's `metadataVersion`; absent without control. */
  metadataVersion?: number;
}

/** What the host asked for: an exact version bypasses rollouts (but still obeys blocks). */
export interface AssignmentRequest {
  version?: string;
}

/** The assignment of a model that has no control document: today's behaviour. */
export const NO_CONTROL: Assignment = { version: null, stable: null, rollout: null, reason: 'no-control' };

/**
 * Assigns a version from a verified control document. Pure: the same document, bucket and facts
 * give the same answer. A channel request gets the candidate iff `bucket < basisPoints` and every
 * targeting condition holds, so raising the percentage only adds devices; otherwise the stable
 * version. An exact request keeps its version. Either way a blocked or yanked version is never
 * assigned: the device moves to the stable version (reason `blocked`), or to nothing when that is
 * blocked too.
 */
export function assign(
  document: ControlDocument,
  inputs: { bucket: number | undefined; facts: DeviceFacts; request: AssignmentRequest },
): Assignment {
  const { rollout } = document;
  // A yanked version is treated like a blocked one: never assigned, left where it runs.
  const blocked = new Set([...document.blocked, ...document.yanked]);
  const stable = document.stable !== null && !blocked.has(document.stable) ? document.stable : null;
  const base = {
    stable,
    rollout: rollout
      ? { id: rollout.id, candidate: rollout.candidate, percent: (rollout.basisPoints * 100) / BUCKETS }
      : null,
    metadataVersion: document.metadataVersion,
  };
  const pick = (version: string, reason: AssignmentReason): Assignment =>
    blocked.has(version) ? { ...base, version: stable, reason: 'blocked' } : { ...base, version, reason };

  if (inputs.request.version !== undefined) return pick(inputs.request.version, 'exact-version');
  // No stable version at all (every version yanked): the channel loads as it did before control,
  // and the loader reports why nothing can run. Only a blocked stable version is `blocked`.
  const none: Assignment = {
    ...base,
    version: null,
    reason: document.stable === null ? 'stable' : 'blocked',
  };
  if (!rollout || blocked.has(rollout.candidate)) return stable === null ? none : pick(stable, 'stable');
  const onStable = (reason: AssignmentReason): Assignment =>
    stable === null ? none : { ...base, version: stable, reason };
  if (failedCondition(rollout.targeting, inputs.facts)) return onStable('not-targeted');
  if (inputs.bucket === undefined || inputs.bucket >= rollout.basisPoints)
    return onStable('outside-percentage');
  return pick(rollout.candidate, 'in-rollout');
}

/** Why a device moved between versions, as `versionChanged` reports it. */
export type ChangeReason = 'rollout' | 'rollback' | 'promote' | 'blocked' | 'update';

/**
 * The `reason` of a switch caused by `document`: `rollback` after a rollback, `blocked` when the
 * version left is blocked or yanked, else what the document's last change was (`update` for a new stable version by publish,
 * status change, `stable-set` or `unblocked`).
 */
export function changeReason(document: ControlDocument, from: string | null): ChangeReason {
  // A rollback blocks the candidate too; it is still a rollback to the devices that leave it.
  if (document.lastChange.action === 'rolled-back') return 'rollback';
  if (from !== null && (document.blocked.includes(from) || document.yanked.includes(from))) return 'blocked';
  const byAction: Partial<Record<ControlAction, ChangeReason>> = {
    'rollout-started': 'rollout',
    'rollout-changed': 'rollout',
    promoted: 'promote',
    'rolled-back': 'rollback',
    blocked: 'blocked',
  };
  return byAction[document.lastChange.action] ?? 'update';
}
