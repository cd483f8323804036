import { eventsUrl } from './fetch-control.ts';

/** The part of `EventSource` the feed uses (the browser's, or the `eventsource` package's in Node). */
export interface EventSourceLike {
  readonly readyState: number;
  addEventListener(type: string, listener: (event: MessageEvent) => void): void;
  close(): void;
  onerror: ((event: Event) => void) | null;
  onopen: ((event: Event) => void) | null;
}

/** Options of {@link createControlFeed}. */
export interface ControlFeedOptions {
  serverUrl: string;
  /** Called with each envelope that arrives (unverified): the caller verifies it. */
  onEnvelope: (envelope: unknown) => void;
  /** Fetches the current envelopes of `models` (`GET /api/v1/control?models=…`); rejects on failure. */
  poll: (models: readonly string[]) => Promise<unknown[]>;
  /** Mean delay between polls once SSE gave up; failures back off exponentially from it. */
  pollIntervalMs: number;
  /** Makes the SSE connection; undefined where there is no EventSource, so only polling runs. */
  openEventSource?: (url: string) => EventSourceLike;
  random?: () => number;
}

/** A subscription to control documents: one SSE stream for all followed models, or polling. */
export interface ControlFeed {
  /** `sse` while the stream is the source, `poll` once it gave up, `idle` with nothing to follow. */
  readonly mode: 'sse' | 'poll' | 'idle';
  /** Follows exactly `models` from now on (a new stream for a new set). */
  follow(models: readonly string[]): void;
  stop(): void;
}

/** Consecutive SSE errors, without a frame between them, after which the feed polls instead. */
export const SSE_FAILURES_BEFORE_POLLING = 3;
const MAX_BACKOFF_MS = 10 * 60_000;

/**
 * Follows the control documents of a set of models over one `EventSource` to
 * `/api/v1/events?models=…` (`event: control` frames; the browser resumes with Last-Event-ID by
 * itself). When the stream cannot start (a proxy answering it with an error closes it for good)
 * or fails {@link SSE_FAILURES_BEFORE_POLLING} times in a row, the feed polls the batch control
 * route instead, every `pollIntervalMs` ± 50% jitter, backing off exponentially (capped at 10
 * minutes) while polls fail; a new set of models tries SSE again. Never throws into the caller.
 */
export function createControlFeed(options: ControlFeedOptions): ControlFeed {
  const random = options.random ?? Math.random;
  let models: string[] = [];
  let source: EventSourceLike | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let mode: ControlFeed['mode'] = 'idle';
  let generation = 0;

  const deliver = (envelope: unknown) => {
    try {
      options.onEnvelope(envelope);
    } catch {
      // The caller reports its own failures; a feed keeps feeding.
    }
  };

  function halt(): void {
    generation++;
    source?.close();
    source = undefined;
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
  }

  function startPolling(failures = 0): void {
    mode = 'poll';
    const mine = generation;
    const backoff = Math.min(options.pollIntervalMs * 2 ** failures, MAX_BACKOFF_MS);
    timer = setTimeout(
      () => {
        options.poll(models).then(
          (envelopes) => {
            if (mine !== generation) return;
            envelopes.forEach(deliver);
            startPolling(0);
          },
          () => mine === generation && startPolling(failures + 1),
        );
      },
      backoff * (0.5 + random()),
    );
  }

  function startStream(): void {
    if (!options.openEventSource) return startPolling();
    mode = 'sse';
    let failures = 0;
    const stream = options.openEventSource(eventsUrl(options.serverUrl, models));
    source = stream;
    stream.onopen = () => (failures = 0);
    stream.addEventListener('control', (event) => {
      failures = 0;
      try {
        deliver(JSON.parse(String(event.data)));
      } catch {
        // A frame that is not JSON is no document; verification would refuse it anyway.
      }
    });
    stream.onerror = () => {
      // readyState 2 (CLOSED): the browser will not reconnect (an HTTP error or wrong type).
      if (++failures < SSE_FAILURES_BEFORE_POLLING && stream.readyState !== 2) return;
      if (source !== stream) return;
      stream.close();
      source = undefined;
      startPolling();
    };
  }

  return {
    get mode() {
      return mode;
    },
    follow(next) {
      const sorted = [...new Set(next)].sort();
      if (sorted.join(',') === models.join(',')) return;
      halt();
      models = sorted;
      if (models.length === 0) mode = 'idle';
      else startStream();
    },
    stop() {
      halt();
      models = [];
      mode = 'idle';
    },
  };
}
