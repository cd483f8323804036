import { ErrorCode, FerryError, type ReferenceProfile } from '$shared';
import type { FerryQueryable } from '../db/open.ts';
import { registryQueries } from '../services/registry-queries.ts';
import { getEnvelope } from '../services/registry.ts';
import type { BlobStore } from '../storage/blob-store.ts';
import { referenceOf, type SignedParts } from '../telemetry/version-shape.ts';

/** A published version as drift detection needs it: its row id and its reference profile. */
export interface VersionProfile {
  versionId: number;
  version: string;
  reference: ReferenceProfile;
}

/**
 * The version of `model` named `version` (an exact semver, or `latest`: the highest published,
 * else the highest deprecated) and its reference profile, the one the ingest checks batches
 * against. Throws MODEL_NOT_FOUND / BUNDLE_NOT_FOUND as the registry does, and INVALID_INPUT when
 * the version has no profile to compare with.
 */
export async function versionProfile(
  deps: { db: FerryQueryable; blobs: BlobStore },
  model: string,
  version: string,
): Promise<VersionProfile> {
  const envelope = getEnvelope(deps.db, model, version);
  const row = registryQueries(deps.db).version.get({ name: model, version: envelope.version });
  if (!row) throw new FerryError(ErrorCode.BUNDLE_NOT_FOUND, `model "${model}" has no version "${version}"`);
  const signed = (JSON.parse(envelope.body) as { signed: SignedParts }).signed;
  const reference = await referenceOf(signed, deps.blobs);
  if (!reference) {
    throw new FerryError(
      ErrorCode.INVALID_INPUT,
      `version: ${model}@${envelope.version} has no reference profile, so there is nothing to compare with`,
    );
  }
  return { versionId: row.id, version: envelope.version, reference };
}
