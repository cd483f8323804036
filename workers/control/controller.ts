import { ErrorCode, FerryError, isFerryError } from '$shared/errors.ts';
import { ControlDocument, type TargetingCondition } from '$shared/schemas/control.ts';
import { verifyEnvelope, type TrustedKey } from '$shared/signing/verify.ts';
import { asFerryError } from '../errors-transfer.ts';
import type { ModelRequest } from '../loader/manifest.ts';
import type { AdapterProbe } from '../runtime/backend.ts';
import { assign, NO_CONTROL, type Assignment } from './assignment.ts';
import { bucketOf } from './bucket.ts';
import { createFactsReader, type HostFacts } from './device-facts.ts';
import { createControlFeed, type EventSourceLike } from './feed.ts';
import { fetchControl, fetchControls } from './fetch-control.ts';
import type { ControlStateStore } from './state-store.ts';
import type { DeviceFacts } from './targeting.ts';
import { refuseExpired, verifyControl } from './verify-control.ts';

/** The client's `control` settings, as the worker holds them. */
export interface ControlSettings extends HostFacts {
  onExpired: 'keep-last' | 'stop';
  pollIntervalMs: number;
}

/** What a followed model hears: a newer document, a refused one, or its document expiring. */
export type ControlEvent =
  | { type: 'document'; document: ControlDocument; assignment: Assignment }
  | { type: 'refused'; error: FerryError }
  | { type: 'expired'; error: FerryError; stop: boolean };

/** The outcome of {@link Controller.resolve}: what to load, and a refusal to report if any. */
export interface Resolved {
  assignment: Assignment;
  document: ControlDocument | null;
  /** A document the device refused while resolving (the last good one is used instead). */
  refused?: FerryError;
}

/** Control for every model of one worker. */
export interface Controller {
  /**
   * Fetches, verifies and remembers the model's document and assigns a version. Falls back to the
   * last good document when the server is unreachable or its answer is refused; throws
   * `METADATA_EXPIRED` when that one expired and `onExpired` is `stop`. Without any document the
   * assignment is `no-control` (the model loads as it did before control existed).
   */
  resolve(request: ModelRequest): Promise<Resolved>;
  /**
   * The model's last good document and its assignment, without any request: only when that
   * document verifies again with the pinned key and has not expired (a cached document is
   * trusted until its `expires`, no longer). Undefined otherwise: the caller resolves instead.
   */
  cached(request: ModelRequest): Promise<Resolved | undefined>;
  /**
   * Asks the control route once for a followed model's current document, in the background; a
   * newer one reaches the model's listeners like one from the feed. Never rejects.
   */
  refresh(model: string): Promise<void>;
  /** Hears of the model's later documents (SSE or polling) until the returned function is called. */
  follow(request: ModelRequest, listener: (event: ControlEvent) => void): () => void;
  /** How documents arrive now. */
  readonly feedMode: 'sse' | 'poll' | 'idle';
  stop(): void;
}

/** Options of {@link createController}. */
export interface ControllerOptions {
  serverUrl: string;
  key: TrustedKey;
  settings: ControlSettings;
  store: ControlStateStore;
  fetch: typeof fetch;
  openEventSource?: (url: string) => EventSourceLike;
  now?: () => number;
  /** Reads the device's facts for targeting (default: from the worker's navigator, see device-facts.ts). */
  readFacts?: (targeting: readonly TargetingCondition[]) => Promise<DeviceFacts>;
  /** The WebGPU probe the default facts reader uses (default: ask the browser). */
  probe?: () => Promise<AdapterProbe>;
  /**
   * The waits before asking the control route again when a model with no last good document
   * cannot reach it (default {@link FIRST_CONTACT_RETRY_MS}); one attempt more than there are waits.
   */
  firstContactRetryMs?: readonly number[];
}

/**
 * A device that never got a document for a model and cannot reach the control route loads it as
 * if it had no control (`latest`), outside any staged rollout, so a passing failure (a dropped
 * keep-alive connection, a 503 while the server restarts) is asked again twice first. A device
 * with a last good document falls back to that at once instead.
 */
export const FIRST_CONTACT_RETRY_MS: readonly number[] = [250, 1_000];

// setTimeout's delay is a signed 32-bit number of milliseconds.
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Creates the worker's {@link Controller}. */
export function createController(options: ControllerOptions): Controller {
  const { store, settings, key } = options;
  const now = options.now ?? (() => Date.now());
  const readFacts = options.readFacts ?? createFactsReader(settings, options.probe);
  const firstContactRetryMs = options.firstContactRetryMs ?? FIRST_CONTACT_RETRY_MS;
  const current = new Map<string, ControlDocument>();
  const listeners = new Map<
    string,
    Set<{ request: ModelRequest; listener: (event: ControlEvent) => void }>
  >();
  const expiryTimers = new Map<string, ReturnType<typeof setTimeout>>();
  let accepting: Promise<unknown> = Promise.resolve();
  /** Every model followed at some point: a late document for one of them is no attack. */
  const everFollowed = new Set<string>();

  async function assignFor(document: ControlDocument, request: ModelRequest): Promise<Assignment> {
    const rollout = request.version === undefined ? document.rollout : null;
    const bucket = rollout ? await bucketOf(await store.deviceId(), document.model, rollout.salt) : undefined;
    const facts = await readFacts(rollout?.targeting ?? []);
    return assign(document, {
      bucket,
      facts,
      request: request.version === undefined ? {} : { version: request.version },
    });
  }

  function notify(
    model: string,
    event: (request: ModelRequest) => Promise<ControlEvent> | ControlEvent,
  ): void {
    for (const { request, listener } of listeners.get(model) ?? []) {
      void Promise.resolve(event(request)).then(listener, () => undefined);
    }
  }

  function watchExpiry(document: ControlDocument): void {
    clearTimeout(expiryTimers.get(document.model));
    const delay = Math.min(Math.max(Date.parse(document.expires) - now(), 0), MAX_TIMER_MS);
    const timer = setTimeout(() => {
      if (current.get(document.model) !== document) return;
      if (Date.parse(document.expires) > now()) return watchExpiry(document);
      try {
        refuseExpired(document, now());
      } catch (error) {
        const stop = settings.onExpired === 'stop';
        notify(document.model, () => ({ type: 'expired', error: asFerryError(error), stop }));
      }
    }, delay);
    expiryTimers.set(document.model, timer);
  }

  async function accept(model: string, document: ControlDocument, envelope: unknown): Promise<void> {
    await store.save({ model, highestSeen: document.metadataVersion, envelope });
    current.set(model, document);
    watchExpiry(document);
  }

  /** The last good document, verified again (a stored copy is data like any other). */
  async function lastGood(model: string): Promise<ControlDocument | undefined> {
    const record = await store.record(model);
    if (!record) return undefined;
    try {
      const document = await verifyEnvelope(record.envelope, ControlDocument, key);
      return document.model === model ? document : undefined;
    } catch {
      return undefined;
    }
  }

  /** The model's envelope from the control route, asked again on NETWORK_ERROR while it has no document. */
  async function fetchEnvelopeOf(model: string): Promise<unknown> {
    for (const wait of firstContactRetryMs) {
      try {
        return await fetchControl(options.fetch, options.serverUrl, model);
      } catch (error) {
        const unreachable = isFerryError(error) && error.code === ErrorCode.NETWORK_ERROR;
        if (!unreachable || current.has(model) || (await lastGood(model))) throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
    return fetchControl(options.fetch, options.serverUrl, model);
  }

  async function resolve(request: ModelRequest): Promise<Resolved> {
    const model = request.name;
    let refused: FerryError | undefined;
    try {
      const envelope = await fetchEnvelopeOf(model);
      if (envelope === null) return { assignment: NO_CONTROL, document: null };
      const highestSeen = (await store.record(model))?.highestSeen;
      const document = await verifyControl(envelope, key, {
        model,
        now: now(),
        ...(highestSeen ? { highestSeen } : {}),
      });
      await accept(model, document, envelope);
      return { assignment: await assignFor(document, request), document };
    } catch (error) {
      const ferryError = asFerryError(error);
      if (ferryError.code !== ErrorCode.NETWORK_ERROR) refused = ferryError;
    }
    const document = current.get(model) ?? (await lastGood(model));
    if (!document) return { assignment: NO_CONTROL, document: null, ...(refused ? { refused } : {}) };
    if (settings.onExpired === 'stop') refuseExpired(document, now());
    current.set(model, document);
    watchExpiry(document);
    return { assignment: await assignFor(document, request), document, ...(refused ? { refused } : {}) };
  }

  async function cached(request: ModelRequest): Promise<Resolved | undefined> {
    const document = current.get(request.name) ?? (await lastGood(request.name));
    if (!document || Date.parse(document.expires) <= now()) return undefined;
    current.set(request.name, document);
    watchExpiry(document);
    return { assignment: await assignFor(document, request), document };
  }

  /** Reports a feed envelope for no followed model to every followed one as SIGNATURE_INVALID. */
  function refuseForeign(model: unknown): void {
    const followed = [...listeners.keys()];
    const error = new FerryError(
      ErrorCode.SIGNATURE_INVALID,
      `control: the feed for ${followed.join(', ')} delivered a document for ${typeof model === 'string' ? model : 'no model'}`,
      { details: { model: typeof model === 'string' ? model : null } },
    );
    for (const name of followed) notify(name, () => ({ type: 'refused', error }));
  }

  /** Verifies an envelope from the feed for the model it names, if followed; one at a time. */
  async function fromFeed(envelope: unknown): Promise<void> {
    const model = (envelope as { signed?: { model?: unknown } } | null)?.signed?.model;
    if (typeof model !== 'string' || !listeners.has(model)) {
      // The feed asked for the followed models only, so a document for one never followed here
      // came where one of ours was due: TUF's mix-and-match, refused like any bad signature.
      // (One followed once and since left may still be queued: that is no attack.)
      if (typeof model !== 'string' || !everFollowed.has(model)) refuseForeign(model);
      return;
    }
    const highestSeen = Math.max(
      current.get(model)?.metadataVersion ?? 0,
      (await store.record(model))?.highestSeen ?? 0,
    );
    let document: ControlDocument;
    try {
      document = await verifyControl(envelope, key, { model, now: now(), highestSeen });
    } catch (error) {
      if (isFerryError(error)) notify(model, () => ({ type: 'refused', error: asFerryError(error) }));
      return;
    }
    // The stream sends the current document again on every reconnect: nothing new.
    if (document.metadataVersion === current.get(model)?.metadataVersion) return;
    await accept(model, document, envelope);
    notify(model, async (request) => ({
      type: 'document',
      document,
      assignment: await assignFor(document, request),
    }));
  }

  /** Verifies `envelope` after those before it (from the feed or a refresh). Never rejects. */
  const receive = (envelope: unknown) => {
    accepting = accepting.then(() => fromFeed(envelope)).catch(() => undefined);
    return accepting as Promise<void>;
  };

  const feed = createControlFeed({
    serverUrl: options.serverUrl,
    pollIntervalMs: settings.pollIntervalMs,
    poll: (models) => fetchControls(options.fetch, options.serverUrl, models),
    onEnvelope: (envelope) => void receive(envelope),
    ...(options.openEventSource ? { openEventSource: options.openEventSource } : {}),
  });

  return {
    resolve,
    cached,
    async refresh(model) {
      const envelope = await fetchControl(options.fetch, options.serverUrl, model).catch(() => null);
      if (envelope !== null) await receive(envelope);
    },
    follow(request, listener) {
      const entry = { request, listener };
      const set = listeners.get(request.name) ?? new Set();
      set.add(entry);
      listeners.set(request.name, set);
      everFollowed.add(request.name);
      feed.follow([...listeners.keys()]);
      return () => {
        set.delete(entry);
        if (set.size === 0) listeners.delete(request.name);
        feed.follow([...listeners.keys()]);
      };
    },
    get feedMode() {
      return feed.mode;
    },
    stop() {
      feed.stop();
      for (const timer of expiryTimers.values()) clearTimeout(timer);
    },
  };
}
