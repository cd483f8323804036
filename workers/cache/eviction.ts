import type { ModelRecord } from './types.ts';

/** A version that must survive eviction (the one being loaded right now). */
export interface ProtectedVersion {
  name: string;
  version: string;
}

/** What to remove so that the cache fits its budget. */
export interface EvictionPlan {
  /** Records after eviction (only those that changed). */
  records: ModelRecord[];
  /** `name@version` of every dropped version, least recently used first. */
  dropped: string[];
  /** Blobs no kept version references any more. */
  deleteBlobs: string[];
  /** Bytes the kept versions reference, each shared blob counted once. */
  keptBytes: number;
}

/** Size of every blob that a version of `records` references, by sha256. */
export function referencedBytes(records: readonly ModelRecord[]): Map<string, number> {
  const blobs = new Map<string, number>();
  for (const record of records) {
    for (const version of record.versions)
      for (const file of version.files) blobs.set(file.sha256, file.size);
  }
  return blobs;
}

/** The sum of `sizes` (each blob once, as {@link referencedBytes} lists them). */
export const totalSize = (sizes: ReadonlyMap<string, number>) =>
  [...sizes.values()].reduce((a, b) => a + b, 0);

/**
 * Least-recently-used eviction by whole versions: drops the version used longest ago (never
 * `protect`) until the blobs still referenced fit in `budgetBytes`. Blobs shared between versions
 * count once and are deleted only when nothing kept references them; `storedBlobs` not referenced
 * at all (left over from an interrupted commit) are deleted too, except `keepBlobs` (those a commit
 * in progress already stored, before its record exists). Pure: it only plans.
 */
export function planEviction(
  records: readonly ModelRecord[],
  options: {
    budgetBytes: number;
    protect?: ProtectedVersion;
    storedBlobs?: readonly string[];
    keepBlobs?: readonly string[];
  },
): EvictionPlan {
  const kept = records.map((r) => ({ ...r, versions: [...r.versions] }));
  const changed = new Set<string>();
  const dropped: string[] = [];
  const candidates = kept
    .flatMap((record) => record.versions.map((version) => ({ record, version })))
    .filter(({ record, version }) => {
      const p = options.protect;
      return !(p && p.name === record.name && p.version === version.version);
    })
    .sort((a, b) => a.version.lastUsedAt - b.version.lastUsedAt);

  for (const { record, version } of candidates) {
    if (totalSize(referencedBytes(kept)) <= options.budgetBytes) break;
    record.versions = record.versions.filter((v) => v !== version);
    changed.add(record.name);
    dropped.push(`${record.name}@${version.version}`);
  }

  const before = new Set([...referencedBytes(records).keys(), ...(options.storedBlobs ?? [])]);
  const after = referencedBytes(kept);
  const keep = new Set(options.keepBlobs);
  return {
    records: kept.filter((r) => changed.has(r.name)),
    dropped,
    deleteBlobs: [...before].filter((sha) => !after.has(sha) && !keep.has(sha)),
    keptBytes: totalSize(after),
  };
}
