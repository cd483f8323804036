import type { Uniform } from './noise.ts';
import type { QueuedBatch, TelemetryQueue } from './queue.ts';

/** What the sender has done so far in this worker. */
export interface SenderStats {
  /** Batches the server answered 200 for (`accepted` or `duplicate`). */
  sent: number;
  /** …of which it had already counted (a replay after a lost answer). */
  duplicates: number;
  /** Batches dropped because the server refused them for good (a 4xx other than 408/429). */
  rejected: number;
  /** Attempts that will be retried: network errors, 408, 429, 5xx. */
  failedAttempts: number;
  /** The last failure, in words (no body, no URL query). */
  lastError?: string;
}

/** Options of {@link createSender}. */
export interface SenderOptions {
  queue: Promise<TelemetryQueue>;
  endpoint: string;
  fetch: typeof fetch;
  retry: { baseDelayMs: number; maxDelayMs: number };
  uniform: Uniform;
  /** Whether to send with `keepalive` (so a send started as the page hides can finish). */
  keepalive: boolean;
  /** Runs `fn` after `ms`; default setTimeout. Tests pass their own to see the delays. */
  schedule?: (fn: () => void, ms: number) => void;
  /** Reports a refused batch once per status (default console.warn). */
  warn?: (message: string) => void;
}

/** Drains the telemetry queue to the server. Never throws into its caller. */
export interface Sender {
  /** Starts draining unless a drain is running (it will look again) or a backoff is pending. */
  kick(): void;
  /** Resolves once no drain is running: the queue is empty or a retry is scheduled. */
  idle(): Promise<void>;
  stats(): SenderStats;
  /** Stops for good: no request starts after it (one already under way finishes). */
  stop(): void;
}

type Outcome =
  | { kind: 'sent'; duplicate: boolean }
  | { kind: 'refused'; status: number }
  | { kind: 'retry'; afterMs?: number; why: string };

/** Milliseconds a `Retry-After` header asks for (seconds or an HTTP date), or undefined. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** Exponential backoff with full jitter (AWS architecture blog, "Exponential Backoff And Jitter"). */
export function backoffMs(attempt: number, retry: SenderOptions['retry'], uniform: Uniform): number {
  const cap = Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** Math.min(attempt - 1, 40));
  return Math.floor(uniform() * cap);
}

/**
 * A sender that posts the oldest queued batch as `text/plain` (a CORS-safelisted type: no
 * preflight, and what `sendBeacon` would send), removes it on a 200, drops it on a 4xx other
 * than 408/429 (retrying cannot help; logged once per status), and otherwise backs off
 * exponentially with full jitter, or as long as a 429/503 `Retry-After` asks, then tries again.
 */
export function createSender(options: SenderOptions): Sender {
  const { retry, uniform } = options;
  const schedule = options.schedule ?? ((fn, ms) => void setTimeout(fn, ms));
  const warn = options.warn ?? ((message) => console.warn(message));
  const stats: SenderStats = { sent: 0, duplicates: 0, rejected: 0, failedAttempts: 0 };
  const warned = new Set<number>();
  let attempt = 0;
  let draining: Promise<void> | undefined;
  let again = false;
  let waiting = false;
  let stopped = false;

  async function post(entry: QueuedBatch): Promise<Outcome> {
    let response: Response;
    try {
      response = await options.fetch(options.endpoint, {
        method: 'POST',
        headers: { 'content-type': 'text/plain;charset=UTF-8' },
        body: entry.body,
        keepalive: options.keepalive,
        credentials: 'omit',
        cache: 'no-store',
      });
    } catch (error) {
      return { kind: 'retry', why: `network error (${error instanceof Error ? error.name : 'unknown'})` };
    }
    const { status } = response;
    if (status === 200) {
      const reply = (await response.json().catch(() => null)) as { status?: unknown } | null;
      return { kind: 'sent', duplicate: reply?.status === 'duplicate' };
    }
    await response.body?.cancel().catch(() => undefined);
    if (status === 429 || status === 503) {
      const afterMs = retryAfterMs(response.headers.get('retry-after'));
      return { kind: 'retry', why: `HTTP ${status}`, ...(afterMs === undefined ? {} : { afterMs }) };
    }
    if (status === 408 || status >= 500 || status < 400) return { kind: 'retry', why: `HTTP ${status}` };
    return { kind: 'refused', status };
  }

  async function drainOnce(): Promise<void> {
    const queue = await options.queue;
    while (!stopped) {
      again = false;
      const entry = await queue.oldest();
      // Stopped while the queue was read (consent withdrawn): no request may start after stop().
      if (!entry || stopped) return;
      const outcome = await post(entry);
      if (outcome.kind === 'retry') {
        stats.failedAttempts++;
        stats.lastError = outcome.why;
        attempt++;
        const delay = Math.min(outcome.afterMs ?? backoffMs(attempt, retry, uniform), 24 * 60 * 60_000);
        waiting = true;
        schedule(() => {
          waiting = false;
          kick();
        }, delay);
        return;
      }
      attempt = 0;
      await queue.remove(entry.seq);
      if (outcome.kind === 'sent') {
        stats.sent++;
        if (outcome.duplicate) stats.duplicates++;
      } else {
        stats.rejected++;
        stats.lastError = `HTTP ${outcome.status}`;
        if (!warned.has(outcome.status)) {
          warned.add(outcome.status);
          warn(
            `Ferry telemetry: the server refused a batch (HTTP ${outcome.status}); such batches are dropped`,
          );
        }
      }
    }
  }

  function kick() {
    if (stopped || waiting) return;
    if (draining) {
      again = true;
      return;
    }
    draining = drainOnce()
      .catch((error: unknown) => {
        // A queue failure (IndexedDB gone): remember it; the next kick tries again.
        stats.lastError = `queue: ${error instanceof Error ? error.message : String(error)}`;
      })
      .finally(() => {
        draining = undefined;
        if (again && !waiting) kick();
      });
  }

  return {
    kick,
    async idle() {
      while (draining) await draining;
    },
    stats: () => ({ ...stats }),
    stop() {
      stopped = true;
    },
  };
}
