import semver from 'semver';
import { ErrorCode, FerryError, type ModelList, type Task, type VersionStatus } from '$shared';
import type { FerryQueryable } from '../db/open.ts';
import { registryQueries } from './registry-queries.ts';

/** A version row as the alias resolution needs it. */
interface Candidate {
  version: string;
  status: VersionStatus;
}

/**
 * What the `latest` alias points at: the highest semver whose status is `published`, else the
 * highest `deprecated` one; never a `yanked` one. Null when nothing qualifies.
 */
export function resolveLatest(candidates: readonly Candidate[]): string | null {
  for (const status of ['published', 'deprecated'] as const) {
    const found = candidates.filter((c) => c.status === status).map((c) => c.version);
    if (found.length > 0) return found.sort(semver.rcompare)[0] ?? null;
  }
  return null;
}

/** Every model with its versions (newest first by semver) and its `latest` alias. */
export function listModels(db: FerryQueryable): ModelList {
  const rows = registryQueries(db).modelList.all();
  const byName = new Map<string, ModelList['models'][number]>();
  for (const { name, task, description, ...version } of rows) {
    let model = byName.get(name);
    if (!model) {
      model = { name, task: task as Task, description, latest: null, versions: [] };
      byName.set(name, model);
    }
    model.versions.push(version);
  }
  for (const model of byName.values()) {
    model.versions.sort((a, b) => semver.rcompare(a.version, b.version));
    model.latest = resolveLatest(model.versions);
  }
  return { models: [...byName.values()] };
}

/** A stored signed manifest exactly as served, with its ETag digest. */
export interface StoredEnvelope {
  version: string;
  body: string;
  sha256: string;
}

/**
 * The signed manifest of `name` at `version` (an exact semver or `latest`). Throws
 * `MODEL_NOT_FOUND` or `BUNDLE_NOT_FOUND`.
 */
export function getEnvelope(db: FerryQueryable, name: string, version: string): StoredEnvelope {
  const queries = registryQueries(db);
  const candidates = version === 'latest' ? queries.candidates.all({ name }) : [];
  const wanted = version === 'latest' ? resolveLatest(candidates) : version;
  const row = wanted === null ? undefined : queries.version.get({ name, version: wanted });
  if (row) return { version: row.version, body: row.body, sha256: row.sha256 };
  if (!queries.model.get({ name })) {
    throw new FerryError(ErrorCode.MODEL_NOT_FOUND, `model "${name}" does not exist`);
  }
  // resolveLatest skips only yanked versions, so a model with versions and no `latest` has all yanked.
  const why = candidates.length > 0 ? ': every version is yanked' : '';
  throw new FerryError(ErrorCode.BUNDLE_NOT_FOUND, `model "${name}" has no version "${version}"${why}`);
}

/** The size of a blob that a committed version references, or null: only those are served. */
export function publishedBlobSize(db: FerryQueryable, sha256: string): number | null {
  return registryQueries(db).blobSize.get({ sha256 })?.size ?? null;
}
