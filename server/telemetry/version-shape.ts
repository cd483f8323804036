import { ErrorCode, FerryError, ReferenceProfile } from '$shared';
import type { FerryDb } from '../db/open.ts';
import { registryQueries } from '../services/registry-queries.ts';
import type { BlobStore } from '../storage/blob-store.ts';

/** What a batch for one version may hold: the counts each reference feature and the predictions take. */
export interface VersionShape {
  versionId: number;
  model: string;
  version: string;
  /** `model@version`, for messages. */
  label: string;
  /** Counts per feature name: edges + 1 (bins + under/overflow) or categories + 1 ("other"). */
  featureCounts: ReadonlyMap<string, number>;
  /** One count per label (the manifest's `labels`, else the profile's), or null without labels. */
  labelCount: number | null;
}

/** The parts of a signed manifest that say what a version measures. */
export interface SignedParts {
  labels?: string[];
  reference?: unknown;
  files?: { role: string; sha256: string }[];
}

// Versions never change content once published, so a shape, once read, stays true. Only versions
// that exist are cached, so the bound is reached only by a registry that large.
const MAX_CACHED = 1024;

/**
 * A version's reference profile: the manifest's `reference`, else its first `reference` file; null
 * when it has none, or one that no longer parses.
 */
export async function referenceOf(signed: SignedParts, blobs: BlobStore): Promise<ReferenceProfile | null> {
  let json = signed.reference;
  const file = json === undefined ? signed.files?.find((f) => f.role === 'reference') : undefined;
  if (file) json = JSON.parse(new TextDecoder().decode(await blobs.readAll(file.sha256))) as unknown;
  // Publishing validated the profile; one that no longer parses measures nothing.
  const parsed = json === undefined ? null : ReferenceProfile.safeParse(json);
  return parsed?.success ? parsed.data : null;
}

function shapeOf(
  row: { versionId: number; model: string; version: string; label: string },
  signed: SignedParts,
  reference: ReferenceProfile | null,
) {
  const featureCounts = new Map<string, number>();
  for (const feature of reference?.features ?? []) {
    featureCounts.set(
      feature.name,
      feature.kind === 'numeric' ? feature.edges.length + 1 : feature.categories.length + 1,
    );
  }
  const labels = signed.labels ?? reference?.predictions?.labels;
  return { ...row, featureCounts, labelCount: labels?.length ?? null };
}

/**
 * Reads, and caches, the {@link VersionShape} of exact versions. `shape` throws MODEL_NOT_FOUND or
 * BUNDLE_NOT_FOUND (404) as the registry does; yanked and deprecated versions still take telemetry,
 * since devices keep running them.
 */
export function createVersionShapes(deps: { db: FerryDb; blobs: BlobStore }) {
  const cache = new Map<string, VersionShape>();
  // The last shape asked for: a busy server's batches nearly all come for one version.
  let last: VersionShape | undefined;
  const cached = (model: string, version: string): VersionShape | undefined => {
    if (last !== undefined && model === last.model && version === last.version) return last;
    const found = cache.get(`${model}@${version}`);
    if (found !== undefined) last = found;
    return found;
  };
  return {
    /** The shape of `model@version` if it was read before, without waiting. */
    cached,
    async shape(model: string, version: string): Promise<VersionShape> {
      const key = `${model}@${version}`;
      const hit = cached(model, version);
      if (hit) return hit;
      const queries = registryQueries(deps.db);
      const row = queries.version.get({ name: model, version });
      if (!row) {
        if (!queries.model.get({ name: model })) {
          throw new FerryError(ErrorCode.MODEL_NOT_FOUND, `model: "${model}" does not exist`);
        }
        throw new FerryError(
          ErrorCode.BUNDLE_NOT_FOUND,
          `version: model "${model}" has no version "${version}"`,
        );
      }
      const signed = (JSON.parse(row.body) as { signed: SignedParts }).signed;
      const shape = shapeOf(
        { versionId: row.id, model, version, label: key },
        signed,
        await referenceOf(signed, deps.blobs),
      );
      if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value as string);
      cache.set(key, shape);
      return shape;
    },
  };
}

/** A {@link createVersionShapes} reader. */
export type VersionShapes = ReturnType<typeof createVersionShapes>;
