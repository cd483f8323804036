/**
 * One keyed area of the cache, with the Web Cache API's verbs. Implementations never return
 * bytes they did not store; `put` rejects with a DOMException named `QuotaExceededError` when
 * the device is out of room, and callers handle that (see model-cache.ts).
 */
export interface CacheArea<V> {
  match(key: string): Promise<V | undefined>;
  put(key: string, value: V): Promise<void>;
  delete(key: string): Promise<void>;
  keys(): Promise<string[]>;
}

/** A file of a cached version. */
export interface CachedFile {
  path: string;
  sha256: string;
  size: number;
}

/** A verified version of a model kept on the device. */
export interface CachedVersion {
  version: string;
  /** The signed envelope as served; verified again whenever it is used. */
  envelope: unknown;
  metadataVersion: number;
  files: CachedFile[];
  cachedAt: number;
  lastUsedAt: number;
}

/** Everything the cache knows about one model. */
export interface ModelRecord {
  name: string;
  /** At most two: the current version first, then the previous one. */
  versions: CachedVersion[];
  /** Channel → the version it last resolved to on this device (e.g. `latest` → `1.2.0`). */
  channels: Record<string, string>;
  /** Version → highest `metadataVersion` ever accepted for it (replay/freeze protection). */
  seenMetadata: Record<string, number>;
}

/** The three areas Ferry keeps: verified blobs by sha256, model records, partial downloads. */
export interface CacheStore {
  readonly kind: 'indexeddb' | 'memory';
  readonly blobs: CacheArea<Uint8Array>;
  readonly records: CacheArea<ModelRecord>;
  /** Unverified bytes of interrupted downloads, keyed `<sha256>/<offset>`; never used unverified. */
  readonly partials: CacheArea<Uint8Array>;
}

/** True for the error a full disk or an exhausted origin quota produces. */
export function isQuotaError(error: unknown): boolean {
  const name = (error as { name?: unknown } | null)?.name;
  return name === 'QuotaExceededError' || name === 'NS_ERROR_DOM_QUOTA_REACHED';
}
