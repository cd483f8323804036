import { ErrorCode, FerryError, ReferenceProfile, describeIssue } from '$shared';
import type { FerryQueryable } from '../db/open.ts';
import { registryQueries } from '../services/registry-queries.ts';
import { getEnvelope } from '../services/registry.ts';
import type { BlobStore } from '../storage/blob-store.ts';

/** A published version as drift detection needs it: its row id and its reference profile. */
export interface VersionProfile {
  versionId: number;
  version: string;
  reference: ReferenceProfile;
}

interface SignedParts {
  reference?: unknown;
  files?: { path: string; role: string; sha256: string }[];
}

/** The profile a manifest carries inline, else the one in its first `reference` file, else null. */
async function referenceOf(
  signed: SignedParts,
  blobs: BlobStore,
): Promise<{ json: unknown; where: string } | null> {
  if (signed.reference !== undefined) return { json: signed.reference, where: 'reference' };
  const file = signed.files?.find((f) => f.role === 'reference');
  if (!file) return null;
  const text = new TextDecoder().decode(await blobs.readAll(file.sha256));
  return { json: JSON.parse(text) as unknown, where: file.path };
}

/**
 * The version of `model` named `version` (an exact semver, or `latest`: the highest published,
 * else the highest deprecated) and its reference profile: the manifest's `reference`, else its
 * `reference` file (publishing validated either). Throws MODEL_NOT_FOUND / BUNDLE_NOT_FOUND as the
 * registry does, and INVALID_INPUT when the version has no profile to compare with.
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
  const found = await referenceOf(signed, deps.blobs);
  if (!found) {
    throw new FerryError(
      ErrorCode.INVALID_INPUT,
      `version: ${model}@${envelope.version} has no reference profile, so there is nothing to compare with`,
    );
  }
  const parsed = ReferenceProfile.safeParse(found.json);
  // Publishing refuses a broken profile, so this is a stored version from before a schema change.
  if (!parsed.success) {
    throw new FerryError(
      ErrorCode.INVALID_INPUT,
      `version: ${model}@${envelope.version}'s reference profile no longer parses (${found.where}: ${describeIssue(parsed.error, 'profile')})`,
    );
  }
  return { versionId: row.id, version: envelope.version, reference: parsed.data };
}
