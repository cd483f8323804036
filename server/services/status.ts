import { eq } from 'drizzle-orm';
import { ErrorCode, FerryError, PublishedManifest, type VersionStatus } from '$shared';
import { versions } from '../db/schema.ts';
import { changeOf } from '../rollouts/control-document.ts';
import { signControl } from '../rollouts/sign-control.ts';
import { signToBody } from '../signing/signer.ts';
import { recordAudit } from './audit.ts';
import type { Actor, ServiceDeps } from './deps.ts';
import { nextMetadataVersion } from './metadata-counter.ts';
import { registryQueries } from './registry-queries.ts';
import { writeTransaction } from '../db/write-transaction.ts';

/** What a status change returns. */
export interface StatusChange {
  name: string;
  version: string;
  status: VersionStatus;
  metadataVersion: number;
}

/** Which version to change, and to what. */
export interface StatusChangeInput {
  name: string;
  version: string;
  status: VersionStatus;
}

/**
 * Sets a version's status (deprecate, yank, or restore to published). The content stays as it
 * is; the manifest is re-signed with the new status and a new, higher metadataVersion so clients
 * can tell the newer metadata from a replay of the old, and so is the model's control document
 * (a yank may move `stable` or end a rollout). Setting the current status is a no-op.
 */
export function setVersionStatus(deps: ServiceDeps, input: StatusChangeInput, actor: Actor): StatusChange {
  const { result, change } = writeTransaction(deps.db, (tx) => {
    const row = registryQueries(tx).version.get({ name: input.name, version: input.version });
    if (!row) {
      throw new FerryError(ErrorCode.BUNDLE_NOT_FOUND, `${input.name}@${input.version} does not exist`);
    }
    const current = PublishedManifest.parse((JSON.parse(row.body) as { signed: unknown }).signed);
    if (row.status === input.status) {
      return { result: { ...input, metadataVersion: current.metadataVersion }, change: null };
    }
    const metadataVersion = nextMetadataVersion(tx);
    const signed = PublishedManifest.parse({ ...current, status: input.status, metadataVersion });
    tx.update(versions)
      .set({ status: input.status, metadataVersion, ...signToBody(deps.signer, signed) })
      .where(eq(versions.id, row.id))
      .run();
    recordAudit(tx, actor, {
      action: 'version.set-status',
      target: `${input.name}@${input.version}`,
      details: { from: row.status, to: input.status, metadataVersion },
    });
    const change = signControl(tx, deps, {
      model: input.name,
      lastChange: changeOf('status-changed', input.version),
    });
    return { result: { ...input, metadataVersion }, change };
  });
  if (change) deps.events.publish(change);
  return result;
}
