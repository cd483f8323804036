import { ErrorCode, FerryError, serializeFerryError } from '$shared/errors.ts';
import type { Controller, Resolved } from './control/controller.ts';
import { asFerryError } from './errors-transfer.ts';
import {
  loadModel,
  modelFromCache,
  readCachedBundle,
  type LoadContext,
  type LoadedModel,
} from './load-model.ts';
import { revalidateManifest } from './loader/load-bundle.ts';
import { refuseYanked, requestRef, yankedError, type ModelRequest } from './loader/manifest.ts';
import { prefetchManifest } from './loader/prefetch.ts';
import type { ModelRecord } from './cache/types.ts';
import type { LoadProgress, ModelInfo } from './types.ts';
import type { WorkerEvent } from './worker-api.ts';

/** What a load path needs of the worker's slot for the model. */
export interface LoadingSlot {
  request: ModelRequest;
  info?: ModelInfo;
  /** Why the model may not run now; set by a revalidation that learns of a yank. */
  halted?: FerryError;
  emit: (event: WorkerEvent) => void;
}

/** What a load path loaded, and the control document it followed (undefined without control). */
export interface LoadOutcome {
  loaded: LoadedModel;
  resolved: Resolved | undefined;
}

/**
 * What to load for `request` once control assigned `version`: that version, remembered under the
 * request's channel too when it asked for one (so an offline load finds it, as before control).
 */
export function assigned(request: ModelRequest, version: string): ModelRequest & { version: string } {
  if (request.version !== undefined) return { name: request.name, version };
  return { name: request.name, version, channel: requestRef(request) };
}

/**
 * A load that waits on no request (issue 9, point 6): with an unexpired, verified control
 * document on the device and the version it assigns in the verified cache. Undefined when
 * either is missing: the caller loads over the network. `likely`: the version control will
 * probably assign (the exact one asked for, or the one the channel gave last time), read and
 * verified from the cache while the control document is, and used only if control assigns it.
 * `record`: the model's cache record as the caller just read it; that read serves it.
 */
export async function loadWarm(
  controller: Controller,
  guess: { request: ModelRequest; likely?: string | undefined; record?: Promise<ModelRecord | undefined> },
  context: LoadContext,
): Promise<LoadOutcome | undefined> {
  const { request, likely, record } = guess;
  // Its progress reaches the page only once control assigned that version.
  const progress = heldProgress(context.onProgress);
  const early =
    likely === undefined
      ? undefined
      : readCachedBundle({ ...context, onProgress: progress.report }, assigned(request, likely), record);
  const resolved = await controller.cached(request);
  const version = resolved?.assignment.version;
  const guessed = early !== undefined && early.version === version;
  progress.release(guessed);
  // A read control did not confirm settles first: its cache writes (the channel's version, its
  // last use) must not land after those of the load that follows.
  if (early && !guessed) await early.bundle.then((bundle) => bundle?.cache).catch(() => undefined);
  if (!resolved || !version) return undefined;
  const cached = guessed ? early : readCachedBundle(context, assigned(request, version));
  const loaded = await modelFromCache(context, cached, resolved.assignment);
  return loaded && { loaded, resolved };
}

/** Progress reports held until `release(true)` passes them on (and later ones), or `release(false)` drops them. */
function heldProgress(onProgress: (progress: LoadProgress) => void) {
  const held: LoadProgress[] = [];
  let pass: ((progress: LoadProgress) => void) | undefined;
  return {
    report: (progress: LoadProgress) => (pass ? pass(progress) : void held.push(progress)),
    release(keep: boolean) {
      pass = keep ? onProgress : () => undefined;
      for (const progress of held.splice(0)) pass(progress);
    },
  };
}

/**
 * A load that asks the server: control and the channel's manifest in parallel, then the files
 * of the version control assigns only (a pinned stable that differs from the channel's version
 * costs one more manifest, never a second bundle).
 */
export async function loadCold(
  controller: Controller | undefined,
  slot: LoadingSlot,
  context: LoadContext,
): Promise<LoadOutcome> {
  const { request } = slot;
  const channel =
    request.version === undefined
      ? prefetchManifest(context.fetch, context.config.serverUrl, { request, origin: self.location.origin })
      : undefined;
  const resolved = controller ? await controller.resolve(request) : undefined;
  if (resolved?.refused) slot.emit({ type: 'error', error: serializeFerryError(resolved.refused) });
  const assignment = resolved?.assignment;
  const document = resolved?.document;
  if (assignment?.reason === 'blocked' && assignment.version === null) {
    // An exact version the document lists as yanked fails as its manifest would have said.
    const { version } = request;
    if (version !== undefined && document?.yanked.includes(version)) {
      throw yankedError(request.name, version, document.metadataVersion);
    }
    throw new FerryError(ErrorCode.VERSION_BLOCKED, `${request.name}: every version it could run is blocked`);
  }
  const wanted = assignment?.version ?? undefined;
  const channelVersion = channel && (await channel.version);
  // No rollout and no block: the channel serves the stable version unless it is pinned, so load
  // it as before control (its URL, its last-good fallback).
  const plain = channel && !document?.rollout && !document?.blocked.length;
  const viaChannel = !wanted || (plain && (channelVersion === undefined || channelVersion === wanted));
  const target = viaChannel ? request : assigned(request, wanted);
  const envelope = channel && (viaChannel || channelVersion === wanted) ? channel.envelope : undefined;
  const withAssignment = assignment ? { assignment } : {};
  let loaded = await loadModel(context, target, { ...withAssignment, ...(envelope ? { envelope } : {}) });
  if (wanted && loaded.info.version !== wanted && !loaded.info.fallbackFrom) {
    // The channel could not be asked (offline) and its cached version is not the assigned one.
    await loaded.engine.dispose();
    loaded = await loadModel(context, assigned(request, wanted), withAssignment);
  }
  return { loaded, resolved };
}

/**
 * After a warm load: the control document again (a newer one reaches the model's listeners, which
 * switch it) and the running version's manifest, remembered (a yank learned now stops an exact
 * version, as a load would have refused it; a channel moves with its next document). Never rejects.
 */
export async function revalidate(
  slot: LoadingSlot,
  controller: Controller,
  context: LoadContext,
): Promise<void> {
  const info = slot.info;
  if (!info) return;
  await controller.refresh(slot.request.name);
  const { config } = context;
  try {
    const manifest = await revalidateManifest({
      serverUrl: config.serverUrl,
      key: { publicKey: config.publicKey, ...(config.keyid ? { keyid: config.keyid } : {}) },
      cache: context.opened.cache,
      fetch: context.fetch,
      request: { name: info.name, version: info.version },
    });
    refuseYanked(manifest);
  } catch (error) {
    const ferryError = asFerryError(error);
    // Unreachable or failing: the next revalidation (or load) tries again.
    if (ferryError.code === ErrorCode.NETWORK_ERROR || slot.info?.version !== info.version) return;
    // A channel follows control, whose document never assigns a yanked version: it moves on.
    if (slot.request.version === undefined) return;
    if (ferryError.code === ErrorCode.BUNDLE_NOT_FOUND) slot.halted = ferryError;
    slot.emit({ type: 'error', error: serializeFerryError(ferryError) });
  }
}
