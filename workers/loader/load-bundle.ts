import { ErrorCode, isFerryError } from '$shared/errors.ts';
import type { PublishedManifest } from '$shared/schemas/manifest.ts';
import type { TrustedKey } from '$shared/signing/verify.ts';
import type { ModelCache } from '../cache/model-cache.ts';
import type { CachedVersion, ModelRecord } from '../cache/types.ts';
import type { LoadProgress, ModelInfo, VersionChange } from '../types.ts';
import { fetchFiles } from './fetch-files.ts';
import { fetchEnvelope, manifestUrl, requestRef, verifyForRequest, type ModelRequest } from './manifest.ts';

/** Options of {@link loadBundle}. */
export interface LoadBundleOptions {
  request: ModelRequest;
  serverUrl: string;
  key: TrustedKey;
  cache: ModelCache;
  fetch: typeof fetch;
  onProgress?: (progress: LoadProgress) => void;
  onVersionChange?: (change: VersionChange) => void;
}

/** A verified bundle, ready to become a session. */
export interface LoadedBundle {
  manifest: PublishedManifest;
  /** File bytes by bundle path, every one verified against the signed manifest. */
  files: Map<string, Uint8Array>;
  fromCache: boolean;
  bytesDownloaded: number;
  offline: boolean;
  fallbackFrom?: ModelInfo['fallbackFrom'];
  cache: ModelInfo['cache'];
}

// Failures of a new version that leave the last good one safe to use. Not MODEL_NOT_FOUND or
// BUNDLE_NOT_FOUND: those say the publisher withdrew it.
const RECOVERABLE = new Set<string>([
  ErrorCode.NETWORK_ERROR,
  ErrorCode.INTEGRITY_MISMATCH,
  ErrorCode.BLOB_NOT_FOUND,
  ErrorCode.SIGNATURE_INVALID,
  ErrorCode.MANIFEST_INVALID,
  ErrorCode.METADATA_STALE,
]);

function cachedVersion(record: ModelRecord | undefined, request: ModelRequest): CachedVersion | undefined {
  const version = request.version ?? record?.channels[requestRef(request)];
  return record?.versions.find((v) => v.version === version);
}

/**
 * Fetches and verifies the signed manifest, then every file (cache first, by sha256), and commits
 * the verified version to the cache. When the server is unreachable the cached manifest for the
 * request is used (verified again). When a channel's new version fails (altered blob, bad
 * signature, …) the last good cached version is loaded instead and `fallbackFrom` says why; an
 * exact-version request fails instead.
 */
export async function loadBundle(options: LoadBundleOptions): Promise<LoadedBundle> {
  const { request, cache } = options;
  const record = await cache.record(request.name);
  let envelope: unknown;
  try {
    envelope = await fetchEnvelope(options.fetch, manifestUrl(options.serverUrl, request));
  } catch (error) {
    const cached = cachedVersion(record, request);
    if (!cached || !isFerryError(error) || error.code !== ErrorCode.NETWORK_ERROR) throw error;
    return fromEnvelope(options, { envelope: cached.envelope, record, offline: true });
  }
  try {
    return await fromEnvelope(options, { envelope, record, offline: false });
  } catch (error) {
    const cached = request.version ? undefined : cachedVersion(record, request);
    if (!cached || !isFerryError(error) || !RECOVERABLE.has(error.code)) throw error;
    const fallback = await fromEnvelope(options, { envelope: cached.envelope, record, offline: false });
    return {
      ...fallback,
      fallbackFrom: { requested: requestRef(request), code: error.code, message: error.message },
    };
  }
}

async function fromEnvelope(
  options: LoadBundleOptions,
  source: { envelope: unknown; record: ModelRecord | undefined; offline: boolean },
): Promise<LoadedBundle> {
  const { request, cache, onVersionChange } = options;
  const { envelope, record, offline } = source;
  const manifest = await verifyForRequest(envelope, options.key, {
    request,
    seenMetadata: record?.seenMetadata,
  });
  const fetched = await fetchFiles({ ...options, manifest, offline });
  const channel = request.version ? undefined : requestRef(request);
  const previous = channel ? record?.channels[channel] : undefined;
  if (previous && previous !== manifest.version) {
    onVersionChange?.({ name: manifest.name, from: previous, to: manifest.version });
  }
  const bySha = new Map<string, Uint8Array>();
  for (const file of manifest.files) {
    const bytes = fetched.files.get(file.path);
    if (bytes) bySha.set(file.sha256, bytes);
  }
  const commit = await cache.commit({
    name: manifest.name,
    version: manifest.version,
    envelope,
    metadataVersion: manifest.metadataVersion,
    files: manifest.files.map(({ path, sha256, size }) => ({ path, sha256, size })),
    bytes: bySha,
    ...(channel ? { channel } : {}),
  });
  return {
    manifest,
    files: fetched.files,
    fromCache: fetched.bytesDownloaded === 0,
    bytesDownloaded: fetched.bytesDownloaded,
    offline,
    cache: commit.warning === undefined ? { persisted: commit.persisted } : commit,
  };
}
