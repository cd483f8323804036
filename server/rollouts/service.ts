import { randomBytes } from 'node:crypto';
import semver from 'semver';
import {
  ErrorCode,
  FerryError,
  basisPointsOf,
  type ControlStatus,
  type ModelVersionInput,
  type Rollout,
  type RolloutShareInput,
  type RolloutStartInput,
} from '$shared';
import type { FerryQueryable } from '../db/open.ts';
import { recordAudit, type AuditEvent } from '../services/audit.ts';
import type { Actor, ServiceDeps } from '../services/deps.ts';
import { registryQueries } from '../services/registry-queries.ts';
import { changeOf, type LastChange, type VersionFact } from './control-document.ts';
import type { ControlState } from './control-store.ts';
import { signControl } from './sign-control.ts';
import { createSqliteControlStore } from './sqlite-control-store.ts';
import { checkTargeting } from './targeting.ts';
import { writeTransaction } from '../db/write-transaction.ts';

type ControlDeps = Pick<ServiceDeps, 'db' | 'signer' | 'controlLifetimeMs' | 'events'>;

/** What an operation sees of the model it changes. */
interface Current {
  model: string;
  state: ControlState;
  stable: string | null;
  versions: readonly VersionFact[];
}

/** What an operation decided: the new state, what changed, and the audit entry; null changes nothing. */
type Decision = { state: ControlState; lastChange: LastChange; audit: AuditEvent } | null;

const EMPTY: ControlState = { pinnedStable: null, rollout: null, blocked: [] };

function notFound(model: string): FerryError {
  return new FerryError(ErrorCode.MODEL_NOT_FOUND, `model: "${model}" does not exist`);
}

/** The status of `model` as stored (inside `db`, which may be a transaction). */
function readStatus(db: FerryQueryable, model: string): ControlStatus {
  const record = createSqliteControlStore(db).load(model);
  if (!record) throw notFound(model);
  const { document } = record;
  const versions = registryQueries(db)
    .candidates.all({ name: model })
    .sort((a, b) => semver.rcompare(a.version, b.version));
  return {
    model,
    metadataVersion: document.metadataVersion,
    issuedAt: document.issuedAt,
    expires: document.expires,
    stable: document.stable,
    pinnedStable: record.state.pinnedStable,
    rollout: document.rollout,
    blocked: document.blocked,
    lastChange: document.lastChange,
    versions,
  };
}

/** The control status of `model`: the current document's content, the pinned stable and the versions. */
export function controlStatus(deps: Pick<ServiceDeps, 'db'>, model: string): ControlStatus {
  return readStatus(deps.db, model);
}

/**
 * Runs one operation in one transaction: loads the model's control, lets `decide` check its input
 * against it (throwing a FerryError naming the field) and choose the new state, then re-signs the
 * document, writes the audit entry, commits, and publishes the change. A null decision is a no-op.
 */
function operate(
  deps: ControlDeps,
  by: { model: string; actor: Actor },
  decide: (current: Current) => Decision,
) {
  const { model, actor } = by;
  const { status, change } = writeTransaction(deps.db, (tx) => {
    const store = createSqliteControlStore(tx);
    if (store.modelId(model) === null) throw notFound(model);
    const record = store.load(model);
    const versions = registryQueries(tx).candidates.all({ name: model });
    const decision = decide({
      model,
      state: record?.state ?? EMPTY,
      stable: record?.document.stable ?? null,
      versions,
    });
    if (decision === null) return { status: readStatus(tx, model), change: null };
    const signed = signControl(tx, deps, { model, state: decision.state, lastChange: decision.lastChange });
    recordAudit(tx, actor, {
      ...decision.audit,
      details: { ...decision.audit.details, metadataVersion: signed.metadataVersion },
    });
    return { status: readStatus(tx, model), change: signed };
  });
  if (change) deps.events.publish(change);
  return status;
}

/** The version `field` names, which must exist (404 naming the field otherwise). */
function known(current: Current, field: string, version: string): VersionFact {
  const found = current.versions.find((v) => v.version === version);
  if (!found) {
    throw new FerryError(ErrorCode.BUNDLE_NOT_FOUND, `${field}: ${current.model}@${version} does not exist`);
  }
  return found;
}

/** The version `field` names, which must exist and be neither yanked nor blocked. */
function servable(current: Current, field: string, version: string): VersionFact {
  const found = known(current, field, version);
  if (found.status === 'yanked') {
    throw new FerryError(ErrorCode.VERSION_YANKED, `${field}: ${current.model}@${version} is yanked`);
  }
  if (current.state.blocked.includes(version)) {
    throw new FerryError(
      ErrorCode.VERSION_BLOCKED,
      `${field}: ${current.model}@${version} is blocked; unblock it first`,
    );
  }
  return found;
}

function runningRollout(current: Current): Rollout {
  if (!current.state.rollout) {
    throw new FerryError(ErrorCode.NO_ROLLOUT, `model: "${current.model}" has no rollout in progress`);
  }
  return current.state.rollout;
}

const target = (model: string, version?: string) => (version ? `${model}@${version}` : model);

/**
 * Starts a rollout of `candidate` to a share of the devices matching `targeting`, with a new id
 * and salt. Refused: unknown model or version (404), a yanked (409 VERSION_YANKED) or blocked
 * (409 VERSION_BLOCKED) candidate, a rollout already running (409 ROLLOUT_EXISTS), the stable
 * version as candidate or invalid targeting (400, naming the field).
 */
export function startRollout(deps: ControlDeps, input: RolloutStartInput, actor: Actor): ControlStatus {
  checkTargeting(input.targeting, 'targeting');
  return operate(deps, { model: input.model, actor }, (current) => {
    servable(current, 'candidate', input.candidate);
    const running = current.state.rollout;
    if (running) {
      throw new FerryError(
        ErrorCode.ROLLOUT_EXISTS,
        `model: "${input.model}" already rolls out ${running.candidate} (rollout ${running.id}); promote or roll it back first`,
      );
    }
    if (input.candidate === current.stable) {
      throw new FerryError(
        ErrorCode.INVALID_INPUT,
        `candidate: ${input.model}@${input.candidate} is already the stable version`,
      );
    }
    const rollout: Rollout = {
      id: randomBytes(9).toString('base64url'),
      candidate: input.candidate,
      basisPoints: basisPointsOf(input),
      salt: randomBytes(16).toString('hex'),
      targeting: input.targeting,
      startedAt: new Date().toISOString(),
    };
    return {
      state: { ...current.state, rollout },
      lastChange: changeOf('rollout-started', input.candidate),
      audit: {
        action: 'rollout.start',
        target: target(input.model, input.candidate),
        details: { rolloutId: rollout.id, basisPoints: rollout.basisPoints, targeting: rollout.targeting },
      },
    };
  });
}

/** Changes the running rollout's share (404, 409 NO_ROLLOUT); the same share is a no-op. */
export function setRolloutShare(deps: ControlDeps, input: RolloutShareInput, actor: Actor): ControlStatus {
  return operate(deps, { model: input.model, actor }, (current) => {
    const rollout = runningRollout(current);
    const basisPoints = basisPointsOf(input);
    if (basisPoints === rollout.basisPoints) return null;
    return {
      state: { ...current.state, rollout: { ...rollout, basisPoints } },
      lastChange: changeOf('rollout-changed', rollout.candidate),
      audit: {
        action: 'rollout.set',
        target: target(input.model, rollout.candidate),
        details: { rolloutId: rollout.id, from: rollout.basisPoints, to: basisPoints },
      },
    };
  });
}

/** Ends the running rollout with its candidate pinned as the stable version (404, 409 NO_ROLLOUT). */
export function promoteRollout(deps: ControlDeps, model: string, actor: Actor): ControlStatus {
  return operate(deps, { model, actor }, (current) => {
    const rollout = runningRollout(current);
    return {
      state: { ...current.state, pinnedStable: rollout.candidate, rollout: null },
      lastChange: changeOf('promoted', rollout.candidate),
      audit: {
        action: 'rollout.promote',
        target: target(model, rollout.candidate),
        details: { rolloutId: rollout.id, from: current.stable },
      },
    };
  });
}

/** Ends the running rollout with its candidate blocked, so every device returns to stable (404, 409 NO_ROLLOUT). */
export function rollbackRollout(deps: ControlDeps, model: string, actor: Actor): ControlStatus {
  return operate(deps, { model, actor }, (current) => {
    const rollout = runningRollout(current);
    return {
      state: { ...current.state, rollout: null, blocked: [...current.state.blocked, rollout.candidate] },
      lastChange: changeOf('rolled-back', rollout.candidate),
      audit: {
        action: 'rollout.rollback',
        target: target(model, rollout.candidate),
        details: { rolloutId: rollout.id, basisPoints: rollout.basisPoints },
      },
    };
  });
}

/**
 * Pins `version` as the stable version. Refused: unknown (404), yanked (409 VERSION_YANKED),
 * blocked (409 VERSION_BLOCKED), or the running rollout's candidate (400: promote it instead).
 * Pinning the version already pinned is a no-op.
 */
export function setStable(deps: ControlDeps, input: ModelVersionInput, actor: Actor): ControlStatus {
  return operate(deps, { model: input.model, actor }, (current) => {
    servable(current, 'version', input.version);
    if (current.state.rollout?.candidate === input.version) {
      throw new FerryError(
        ErrorCode.INVALID_INPUT,
        `version: ${input.model}@${input.version} is the rollout's candidate; promote the rollout instead`,
      );
    }
    if (current.state.pinnedStable === input.version) return null;
    return {
      state: { ...current.state, pinnedStable: input.version },
      lastChange: changeOf('stable-set', input.version),
      audit: {
        action: 'control.set-stable',
        target: target(input.model, input.version),
        details: { from: current.stable },
      },
    };
  });
}

/**
 * Blocks `version` (the kill switch): no client may run it. Refused: unknown (404), the pinned
 * stable version (400: pin another first, so that devices have somewhere to go) or the running
 * rollout's candidate (400: roll the rollout back, which blocks it). Blocking an unpinned stable
 * version moves `stable` to the highest version left. Blocking a blocked version is a no-op.
 */
export function blockVersion(deps: ControlDeps, input: ModelVersionInput, actor: Actor): ControlStatus {
  return operate(deps, { model: input.model, actor }, (current) => {
    known(current, 'version', input.version);
    if (current.state.pinnedStable === input.version) {
      throw new FerryError(
        ErrorCode.INVALID_INPUT,
        `version: ${input.model}@${input.version} is the pinned stable version; set another stable version first`,
      );
    }
    if (current.state.rollout?.candidate === input.version) {
      throw new FerryError(
        ErrorCode.INVALID_INPUT,
        `version: ${input.model}@${input.version} is the rollout's candidate; roll the rollout back instead`,
      );
    }
    if (current.state.blocked.includes(input.version)) return null;
    return {
      state: { ...current.state, blocked: [...current.state.blocked, input.version] },
      lastChange: changeOf('blocked', input.version),
      audit: { action: 'version.block', target: target(input.model, input.version) },
    };
  });
}

/** Lifts the block of `version` (404 for an unknown one); a version not blocked is a no-op. */
export function unblockVersion(deps: ControlDeps, input: ModelVersionInput, actor: Actor): ControlStatus {
  return operate(deps, { model: input.model, actor }, (current) => {
    known(current, 'version', input.version);
    if (!current.state.blocked.includes(input.version)) return null;
    return {
      state: { ...current.state, blocked: current.state.blocked.filter((v) => v !== input.version) },
      lastChange: changeOf('unblocked', input.version),
      audit: { action: 'version.unblock', target: target(input.model, input.version) },
    };
  });
}
