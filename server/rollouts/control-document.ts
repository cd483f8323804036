import semver from 'semver';
import { ControlDocument, type ControlAction, type VersionStatus } from '$shared';
import { resolveLatest } from '../services/registry.ts';
import type { ControlState } from './control-store.ts';

/** A version of the model as the derivation needs it. */
export interface VersionFact {
  version: string;
  status: VersionStatus;
}

/** What last changed the control state (the document's `lastChange`). */
export type LastChange = ControlDocument['lastChange'];

/** Everything a control document is derived from. */
export interface ControlInput {
  model: string;
  state: ControlState;
  versions: readonly VersionFact[];
  metadataVersion: number;
  issuedAt: Date;
  lifetimeMs: number;
  lastChange: LastChange;
}

/**
 * The stable version: the pinned one while it is servable (exists, not yanked, not blocked),
 * else what `latest` resolves to among the versions that are not blocked; null when none is.
 */
export function effectiveStable(state: ControlState, versions: readonly VersionFact[]): string | null {
  const blocked = new Set(state.blocked);
  const open = versions.filter((v) => v.status !== 'yanked' && !blocked.has(v.version));
  if (state.pinnedStable !== null && open.some((v) => v.version === state.pinnedStable)) {
    return state.pinnedStable;
  }
  return resolveLatest(open);
}

/**
 * The state as it may be signed: a rollout whose candidate was yanked or blocked since it
 * started has ended (its devices return to stable), and blocked versions are sorted by semver.
 */
export function normaliseState(state: ControlState, versions: readonly VersionFact[]): ControlState {
  const blocked = [...new Set(state.blocked)].sort(semver.compare);
  const candidate = state.rollout?.candidate;
  const status = candidate === undefined ? undefined : versions.find((v) => v.version === candidate)?.status;
  const gone =
    candidate !== undefined && (blocked.includes(candidate) || status === undefined || status === 'yanked');
  return { ...state, blocked, rollout: gone ? null : state.rollout };
}

/** The `signed` part of the control document of `input` (parsed, so it is valid by construction). */
export function deriveControlDocument(input: ControlInput): ControlDocument {
  const state = normaliseState(input.state, input.versions);
  return ControlDocument.parse({
    _type: 'ferry/control',
    schemaVersion: 1,
    model: input.model,
    metadataVersion: input.metadataVersion,
    issuedAt: input.issuedAt.toISOString(),
    expires: new Date(input.issuedAt.getTime() + input.lifetimeMs).toISOString(),
    stable: effectiveStable(state, input.versions),
    rollout: state.rollout,
    blocked: state.blocked,
    yanked: yankedVersions(input.versions),
    lastChange: input.lastChange,
  });
}

/** The most yanked versions a document lists: the highest ones (older ones are refused by their manifests). */
export const MAX_LISTED_YANKS = 1000;

/** The model's yanked versions, sorted by semver, at most the {@link MAX_LISTED_YANKS} highest. */
export function yankedVersions(versions: readonly VersionFact[]): string[] {
  const yanked = versions.filter((v) => v.status === 'yanked').map((v) => v.version);
  return yanked.sort(semver.compare).slice(-MAX_LISTED_YANKS);
}

/** A {@link LastChange} for `action` now, naming `version` when there is one. */
export function changeOf(action: ControlAction, version?: string, at: Date = new Date()): LastChange {
  return version === undefined ? { action, at: at.toISOString() } : { action, version, at: at.toISOString() };
}
