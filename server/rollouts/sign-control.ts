import { ErrorCode, FerryError } from '$shared';
import type { FerryQueryable } from '../db/open.ts';
import type { ControlChange } from '../events/bus.ts';
import { nextMetadataVersion } from '../services/metadata-counter.ts';
import { registryQueries } from '../services/registry-queries.ts';
import { signToBody, type Signer } from '../signing/signer.ts';
import { changeOf, deriveControlDocument, normaliseState, type LastChange } from './control-document.ts';
import type { ControlState } from './control-store.ts';
import { createSqliteControlStore } from './sqlite-control-store.ts';

/** What signing a control document needs: the manifest key and the documents' lifetime. */
export interface ControlSigning {
  signer: Signer;
  controlLifetimeMs: number;
}

/** Which model, and its new state and/or what changed; omitted parts keep what is stored. */
export interface ControlUpdate {
  model: string;
  state?: ControlState;
  lastChange?: LastChange;
}

const EMPTY: ControlState = { pinnedStable: null, rollout: null, blocked: [] };

/**
 * Re-signs the control document of `update.model` inside the caller's transaction `tx`: a new
 * metadataVersion from the manifests' counter, `expires` a lifetime from now, the state and
 * `lastChange` from `update` or as stored (a model without a document gets an empty state and
 * `created`). Returns the change to publish on the control bus once `tx` commits. Throws
 * `MODEL_NOT_FOUND` for an unknown model.
 */
export function signControl(
  tx: FerryQueryable,
  signing: ControlSigning,
  update: ControlUpdate,
): ControlChange {
  const { model } = update;
  const store = createSqliteControlStore(tx);
  const modelId = store.modelId(model);
  if (modelId === null) throw new FerryError(ErrorCode.MODEL_NOT_FOUND, `model: "${model}" does not exist`);
  const stored = store.load(model);
  const versions = registryQueries(tx).candidates.all({ name: model });
  const state = normaliseState(update.state ?? stored?.state ?? EMPTY, versions);
  const metadataVersion = nextMetadataVersion(tx);
  const signed = deriveControlDocument({
    model,
    state,
    versions,
    metadataVersion,
    issuedAt: new Date(),
    lifetimeMs: signing.controlLifetimeMs,
    lastChange: update.lastChange ?? stored?.document.lastChange ?? changeOf('created'),
  });
  const body = signToBody(signing.signer, signed);
  store.save({ modelId, state, metadataVersion, expires: signed.expires, ...body });
  return { model, metadataVersion };
}
