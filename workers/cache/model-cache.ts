import { planEviction, referencedBytes, totalSize, type ProtectedVersion } from './eviction.ts';
import { createPartialStore, type PartialStore } from './partials.ts';
import { isQuotaError, type CacheStore, type CachedVersion, type ModelRecord } from './types.ts';

/** A verified version to remember, with the bytes of its files by sha256. */
export interface CommitRequest {
  name: string;
  version: string;
  envelope: unknown;
  metadataVersion: number;
  files: CachedVersion['files'];
  bytes: ReadonlyMap<string, Uint8Array>;
  /** The channel the version was resolved through, if any (`latest`). */
  channel?: string;
  /** Every byte was read back from this cache (nothing downloaded): a warm load. */
  fromCache?: boolean;
}

/** A manifest this device verified, whatever its status: what {@link ModelCache.remember} keeps. */
export interface VerifiedMetadata {
  name: string;
  version: string;
  envelope: unknown;
  metadataVersion: number;
}

/** Whether the commit reached persistent storage. */
export interface CommitResult {
  persisted: boolean;
  warning?: string;
}

/** The cache policy Ferry runs on top of a {@link CacheStore}. */
export interface ModelCache {
  readonly kind: CacheStore['kind'];
  readonly partials: PartialStore;
  /** Verified bytes stored under `sha256`, or undefined. */
  blob(sha256: string): Promise<Uint8Array | undefined>;
  record(name: string): Promise<ModelRecord | undefined>;
  /**
   * Stores the blobs and makes `version` the model's current version (the former current one
   * becomes previous; older ones go), then evicts LRU versions beyond the budget. On
   * QuotaExceededError it evicts everything else and retries once; if that fails too, the
   * bytes stay in memory for this session and the result says why. Commits run one at a time.
   */
  commit(request: CommitRequest): Promise<CommitResult>;
  /**
   * Remembers a verified manifest even when it will not run (yanked): its `metadataVersion` as the
   * highest seen for that version, and, when newer than the cached copy of that version, its
   * envelope in place of the cached one, so an offline load applies the status seen last. Touches
   * no blob and no channel; writes nothing when it teaches nothing new. Queued with commits.
   * `known`: the model's record as the caller read it; when it holds what `verified` teaches
   * already, nothing is queued or read (the highest metadata seen only grows, so a newer record
   * holds it too).
   */
  remember(verified: VerifiedMetadata, known?: ModelRecord): Promise<void>;
  /** Bytes of verified blobs kept (persistent plus memory-only). */
  usage(): Promise<number>;
}

/**
 * Wraps `store` with Ferry's retention policy: current + previous version per model, LRU by
 * version beyond `budgetBytes`, quota errors turned into eviction or a memory-only fallback.
 */
export function createModelCache(
  store: CacheStore,
  options: { budgetBytes: number; now?: () => number },
): ModelCache {
  const now = options.now ?? (() => Date.now());
  const memoryOnly = new Map<string, Uint8Array>();
  let queue: Promise<unknown> = Promise.resolve();

  const allRecords = async () =>
    (await Promise.all((await store.records.keys()).map((k) => store.records.match(k)))).filter(
      (r): r is ModelRecord => r !== undefined,
    );

  async function evict(
    budgetBytes: number,
    protect: ProtectedVersion,
    keepBlobs: readonly string[] = [],
  ): Promise<void> {
    const plan = planEviction(await allRecords(), {
      budgetBytes,
      protect,
      storedBlobs: await store.blobs.keys(),
      keepBlobs,
    });
    // Records first: a crash in between leaves orphan blobs (collected next time), never a record
    // pointing at deleted bytes.
    for (const record of plan.records) await store.records.put(record.name, record);
    for (const sha of plan.deleteBlobs) await store.blobs.delete(sha);
  }

  async function putBlobs(request: CommitRequest, protect: ProtectedVersion): Promise<string | undefined> {
    const stored = new Set(await store.blobs.keys());
    const ownBlobs = request.files.map((f) => f.sha256);
    for (const file of request.files) {
      const bytes = request.bytes.get(file.sha256);
      if (stored.has(file.sha256) || !bytes) continue;
      try {
        await store.blobs.put(file.sha256, bytes);
      } catch (error) {
        if (!isQuotaError(error)) throw error;
        // This commit's record does not exist yet: without keepBlobs its blobs stored so far would
        // look like orphans and go, leaving the record to list bytes that are gone.
        await evict(0, protect, ownBlobs);
        try {
          await store.blobs.put(file.sha256, bytes);
        } catch (retryError) {
          if (!isQuotaError(retryError)) throw retryError;
          return `${file.path}: storage quota exceeded even after evicting other models; running from memory`;
        }
      }
      stored.add(file.sha256);
    }
    return undefined;
  }

  async function commit(request: CommitRequest): Promise<CommitResult> {
    const previous = await store.records.match(request.name);
    if (request.fromCache === true && alreadyCurrent(previous, request)) {
      // A warm load: its blobs are stored and nothing grew, so only its last use moves (one
      // write instead of listing every blob and record twice for eviction).
      await store.records.put(request.name, nextRecord(previous, request, now()));
      return { persisted: true };
    }
    const protect = { name: request.name, version: request.version };
    const warning = await putBlobs(request, protect);
    if (warning !== undefined) {
      for (const [sha, bytes] of request.bytes) memoryOnly.set(sha, bytes);
      await evict(options.budgetBytes, protect);
      return { persisted: false, warning };
    }
    const latest = await store.records.match(request.name);
    await store.records.put(request.name, nextRecord(latest, request, now()));
    await evict(options.budgetBytes, protect);
    return { persisted: true };
  }

  async function remember(verified: VerifiedMetadata): Promise<void> {
    const previous = await store.records.match(verified.name);
    const next = rememberedRecord(previous, verified);
    if (next !== previous) await store.records.put(verified.name, next);
  }

  const queued =
    <A, R>(fn: (arg: A) => Promise<R>) =>
    (arg: A): Promise<R> => {
      const run = queue.then(() => fn(arg));
      queue = run.catch(() => undefined);
      return run;
    };

  const queuedRemember = queued(remember);

  return {
    kind: store.kind,
    partials: createPartialStore(store.partials),
    async blob(sha256) {
      return memoryOnly.get(sha256) ?? (await store.blobs.match(sha256));
    },
    record: (name) => store.records.match(name),
    commit: queued(commit),
    remember(verified, known) {
      // A warm load's manifest usually teaches nothing new: no read behind queued commits for it.
      if (known && rememberedRecord(known, verified) === known) return Promise.resolve();
      return queuedRemember(verified);
    },
    async usage() {
      const sizes = referencedBytes(await allRecords());
      for (const [sha, bytes] of memoryOnly) sizes.set(sha, bytes.byteLength);
      return totalSize(sizes);
    },
  };
}

/**
 * Whether `request` is the version `previous` already holds first, with the same metadata, files
 * and channel: committing it stores no blob and cannot grow the cache.
 */
function alreadyCurrent(previous: ModelRecord | undefined, request: CommitRequest): previous is ModelRecord {
  const head = previous?.versions[0];
  if (!previous || !head || head.version !== request.version) return false;
  if (head.metadataVersion !== request.metadataVersion || head.files.length !== request.files.length)
    return false;
  if (request.channel !== undefined && previous.channels[request.channel] !== request.version) return false;
  return head.files.every(
    (f, i) => f.sha256 === request.files[i]?.sha256 && f.path === request.files[i]?.path,
  );
}

function nextRecord(previous: ModelRecord | undefined, request: CommitRequest, at: number): ModelRecord {
  const record = previous ?? { name: request.name, versions: [], channels: {}, seenMetadata: {} };
  const existing = record.versions.find((v) => v.version === request.version);
  const current: CachedVersion = {
    version: request.version,
    envelope: request.envelope,
    metadataVersion: request.metadataVersion,
    files: request.files,
    cachedAt: existing?.cachedAt ?? at,
    lastUsedAt: at,
  };
  const seen = record.seenMetadata[request.version] ?? 0;
  return {
    name: request.name,
    versions: [current, ...record.versions.filter((v) => v.version !== request.version)].slice(0, 2),
    channels: request.channel ? { ...record.channels, [request.channel]: request.version } : record.channels,
    seenMetadata: { ...record.seenMetadata, [request.version]: Math.max(seen, request.metadataVersion) },
  };
}

/** `previous` updated with what `verified` teaches, or `previous` itself when nothing is new. */
function rememberedRecord(previous: ModelRecord | undefined, verified: VerifiedMetadata): ModelRecord {
  const record = previous ?? { name: verified.name, versions: [], channels: {}, seenMetadata: {} };
  const seen = record.seenMetadata[verified.version];
  const stale = (v: CachedVersion) =>
    v.version === verified.version && v.metadataVersion < verified.metadataVersion;
  if (previous && seen !== undefined && seen >= verified.metadataVersion && !record.versions.some(stale)) {
    return previous;
  }
  return {
    ...record,
    versions: record.versions.map((v) =>
      stale(v) ? { ...v, envelope: verified.envelope, metadataVersion: verified.metadataVersion } : v,
    ),
    seenMetadata: {
      ...record.seenMetadata,
      [verified.version]: Math.max(seen ?? 0, verified.metadataVersion),
    },
  };
}
