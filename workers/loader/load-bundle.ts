import { ErrorCode, isFerryError } from '$shared/errors.ts';
import type { PublishedManifest } from '$shared/schemas/manifest.ts';
import type { TrustedKey } from '$shared/signing/verify.ts';
import type { ModelCache } from '../cache/model-cache.ts';
import type { CachedVersion, ModelRecord } from '../cache/types.ts';
import type { LoadProgress, ModelInfo, VersionChange } from '../types.ts';
import { commitVersion } from './commit-version.ts';
import { deliveredFiles, type DeliveredFile, type DeliverySettings } from './delivered-files.ts';
import { fetchFiles, type FetchedFiles } from './fetch-files.ts';
import {
  fetchEnvelope,
  manifestUrl,
  refuseYanked,
  requestRef,
  verifyForRequest,
  type ModelRequest,
} from './manifest.ts';
import { originalFiles, type OriginalFiles } from './original-files.ts';
import { createSharedDownloads, type DownloadLease, type SharedDownloads } from './shared-downloads.ts';

/** Options of {@link loadBundle}. */
export interface LoadBundleOptions {
  request: ModelRequest;
  serverUrl: string;
  key: TrustedKey;
  cache: ModelCache;
  fetch: typeof fetch;
  /** Which bytes of a manifest's files the load uses (see delivered-files.ts). */
  delivery: DeliverySettings;
  /** The worker's downloads in flight, shared by its concurrent loads (default: this load's own). */
  downloads?: SharedDownloads;
  /** The origin the requests come from, named in the hint when the server seems to refuse it (CORS). */
  origin?: string;
  onProgress?: (progress: LoadProgress) => void;
  onVersionChange?: (change: VersionChange) => void;
  /** Called once the manifest verified, before its files are read: the caller may prepare its engine. */
  onManifest?: (manifest: PublishedManifest) => void;
  /**
   * {@link loadFromCache} only: called with the task its cached manifest names, before that
   * manifest is verified, so the caller may start importing its engine early. A hint, not a fact:
   * nothing of the model may be used on its strength.
   */
  onUnverifiedTask?: (task: unknown) => void;
  /**
   * The envelope of `request`'s manifest URL, fetched already (a load starts it while control
   * resolves): used instead of fetching it again, failures included. Still verified like any other.
   */
  envelope?: Promise<unknown>;
}

/** A verified bundle, ready to become a session. */
export interface LoadedBundle {
  manifest: PublishedManifest;
  /**
   * File bytes by bundle path, every one verified against the signed manifest: an ONNX file's
   * compiled form where `compiled` lists its path.
   */
  files: Map<string, Uint8Array>;
  /** Paths whose bytes are a compiled form (see delivered-files.ts). */
  compiled: ReadonlySet<string>;
  /**
   * Present only when `compiled` lists a path: the original files of those paths, for a compiled
   * form that onnxruntime-web will not load. See original-files.ts.
   */
  original?: () => Promise<OriginalFiles>;
  fromCache: boolean;
  bytesDownloaded: number;
  offline: boolean;
  fallbackFrom?: ModelInfo['fallbackFrom'];
  cache: ModelInfo['cache'];
}

/**
 * What {@link loadFromCache} serves: a verified bundle whose cache write (its last use, the
 * channel) may still be in flight. `cache` settles once it landed, and rejects if it failed: a
 * caller builds its engine meanwhile and awaits `cache` before it reports the load.
 */
export type CachedLoadedBundle = Omit<LoadedBundle, 'cache'> & { cache: Promise<ModelInfo['cache']> };

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
 * The task that the cached manifest of `request`'s version (or the version its channel last gave)
 * names, read without verifying that manifest: a hint for preparing an engine early, never a fact
 * (nothing of the model may be used on its strength). Undefined when none is cached.
 */
export function unverifiedTask(record: ModelRecord | undefined, request: ModelRequest): unknown {
  const envelope = cachedVersion(record, request)?.envelope;
  return (envelope as { signed?: { task?: unknown } } | null | undefined)?.signed?.task;
}

/**
 * Fetches and verifies the signed manifest, then every file (cache first, by sha256), and commits
 * the verified version to the cache. Every manifest that verifies is remembered before anything
 * else (its metadataVersion, and a yank), even one that will not run. When the server is
 * unreachable the cached manifest for the request is used (verified again, with the status last
 * seen). When a channel's new version fails (altered blob, bad signature, …) the last good cached
 * version is loaded instead and `fallbackFrom` says why; an exact-version request fails instead.
 */
export async function loadBundle(options: LoadBundleOptions): Promise<LoadedBundle> {
  const lease = (options.downloads ?? createSharedDownloads()).lease();
  try {
    return await loadLeased({ ...options, lease });
  } finally {
    lease.release();
  }
}

type LeasedOptions = LoadBundleOptions & { lease: DownloadLease };

async function loadLeased(options: LeasedOptions): Promise<LoadedBundle> {
  const { request, cache } = options;
  const record = await cache.record(request.name);
  let envelope: unknown;
  try {
    envelope = await (options.envelope ??
      fetchEnvelope(options.fetch, manifestUrl(options.serverUrl, request), {
        ...(options.origin ? { origin: options.origin } : {}),
      }));
  } catch (error) {
    const cached = cachedVersion(record, request);
    if (isFerryError(error) && error.code === ErrorCode.BUNDLE_NOT_FOUND && cached && !request.version) {
      await learnStatus(options, cached.version);
    }
    if (!cached || !isFerryError(error) || error.code !== ErrorCode.NETWORK_ERROR) throw error;
    return fromEnvelope(options, { envelope: cached.envelope, offline: true });
  }
  try {
    return await fromEnvelope(options, { envelope, offline: false });
  } catch (error) {
    // Read again: the failed attempt may have remembered newer metadata for the cached version.
    const cached = request.version ? undefined : cachedVersion(await cache.record(request.name), request);
    if (!cached || !isFerryError(error) || !RECOVERABLE.has(error.code)) throw error;
    const fallback = await fromEnvelope(options, { envelope: cached.envelope, offline: false });
    return {
      ...fallback,
      fallbackFrom: { requested: requestRef(request), code: error.code, message: error.message },
    };
  }
}

/**
 * The request's exact version from the cache alone, with no request at all: its cached signed
 * manifest verified again with the pinned key (not older than the metadata seen for it, not
 * yanked as last seen) and every file checked against its sha256. Undefined when the cache cannot
 * serve it that way (not cached, a file missing or damaged, a yank or newer metadata seen): the
 * caller then loads over the network, which decides with fresh metadata.
 */
export async function loadFromCache(
  options: LoadBundleOptions & {
    request: { version: string };
    /** The model's cache record, read by the caller just before: used instead of reading it again. */
    record?: Promise<ModelRecord | undefined>;
  },
): Promise<CachedLoadedBundle | undefined> {
  const record = await (options.record ?? options.cache.record(options.request.name));
  const cached = cachedVersion(record, options.request);
  if (!cached) return undefined;
  options.onUnverifiedTask?.(unverifiedTask(record, options.request));
  const lease = (options.downloads ?? createSharedDownloads()).lease();
  try {
    // The record read above (or by the caller, as its load began), not another read: a concurrent
    // load's newer metadata would land within milliseconds of it either way, and the revalidation
    // after a warm load fetches the current manifest regardless (load-paths.ts).
    const source = { envelope: cached.envelope, offline: true, record };
    const { committed, ...bundle } = await verifiedFiles({ ...options, lease }, source);
    return { ...bundle, offline: false, cache: committed };
  } catch (error) {
    if (isFerryError(error)) return undefined;
    throw error;
  } finally {
    lease.release();
  }
}

/**
 * Fetches and verifies the current signed manifest of the request's exact version and remembers
 * what it teaches (a newer metadataVersion, a yank), touching no file: what a load from the cache
 * checks in the background. Resolves with the manifest, yanked or not; rejects like a load would.
 */
export async function revalidateManifest(
  options: Pick<LoadBundleOptions, 'serverUrl' | 'key' | 'cache' | 'fetch'> & {
    request: ModelRequest & { version: string };
  },
): Promise<PublishedManifest> {
  const { request, cache } = options;
  const envelope = await fetchEnvelope(options.fetch, manifestUrl(options.serverUrl, request));
  return verifyAndRemember(options, { envelope, request, record: await cache.record(request.name) });
}

/**
 * A channel that resolves to nothing any more (every version yanked) is an unsigned 404: asks for
 * the signed manifest of the version the channel last gave this device, and remembers it, so the
 * yank holds offline too. Best effort by design: its failure leaves the caller's error to report.
 */
async function learnStatus(options: LeasedOptions, version: string): Promise<void> {
  const request = { name: options.request.name, version };
  const record = await options.cache.record(request.name);
  try {
    const envelope = await fetchEnvelope(options.fetch, manifestUrl(options.serverUrl, request));
    await verifyAndRemember(options, { envelope, request, record });
  } catch {
    // The channel's own BUNDLE_NOT_FOUND, which the caller throws next, is the error to report.
  }
}

async function verifyAndRemember(
  options: Pick<LoadBundleOptions, 'key' | 'cache'>,
  source: { envelope: unknown; request: ModelRequest; record: ModelRecord | undefined },
): Promise<PublishedManifest> {
  const manifest = await verifyForRequest(source.envelope, options.key, {
    request: source.request,
    seenMetadata: source.record?.seenMetadata,
  });
  const verified = {
    name: manifest.name,
    version: manifest.version,
    envelope: source.envelope,
    metadataVersion: manifest.metadataVersion,
  };
  await options.cache.remember(verified, source.record);
  return manifest;
}

async function fromEnvelope(
  options: LeasedOptions,
  source: { envelope: unknown; offline: boolean },
): Promise<LoadedBundle> {
  // Read again: a concurrent load may have remembered newer metadata since this load started.
  const record = await options.cache.record(options.request.name);
  const { committed, ...bundle } = await verifiedFiles(options, { ...source, record });
  return { ...bundle, cache: await committed };
}

/**
 * The verified manifest and files of `source.envelope`, as delivered (compiled forms where
 * delivered-files.ts says), with their commit to the cache started (queued behind earlier cache
 * writes, so later loads' writes land after it) but not awaited.
 */
async function verifiedFiles(
  options: LeasedOptions,
  source: { envelope: unknown; offline: boolean; record: ModelRecord | undefined },
): Promise<Omit<LoadedBundle, 'cache'> & { committed: Promise<ModelInfo['cache']> }> {
  const { request, cache, onVersionChange } = options;
  const { envelope, offline, record } = source;
  const manifest = await verifyAndRemember(options, { envelope, request, record });
  refuseYanked(manifest);
  options.onManifest?.(manifest);
  const delivered = deliveredFiles(manifest, options.delivery);
  const fetched = await fetchFiles({
    ...options,
    manifest,
    files: delivered.files,
    offline,
    downloads: options.lease,
  });
  // A channel request that control resolved to a version names both: remember the channel too.
  const channel = request.channel ?? (request.version ? undefined : requestRef(request));
  const previous = channel ? record?.channels[channel] : undefined;
  if (previous && previous !== manifest.version) {
    onVersionChange?.({ name: manifest.name, from: previous, to: manifest.version, reason: 'update' });
  }
  const version = { manifest, envelope, ...(channel ? { channel } : {}) };
  const commit = (files: readonly DeliveredFile[], got: FetchedFiles) =>
    commitVersion(cache, version, { files, fetched: got });
  const { onProgress: _, ...quiet } = options;
  const original = () => originalFiles({ ...quiet, manifest }, commit);
  return {
    manifest,
    files: fetched.files,
    compiled: delivered.compiled,
    ...(delivered.compiled.size > 0 ? { original } : {}),
    fromCache: fetched.bytesDownloaded === 0,
    bytesDownloaded: fetched.bytesDownloaded,
    offline,
    committed: commit(delivered.files, fetched),
  };
}
