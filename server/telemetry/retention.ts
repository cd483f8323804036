import type { TelemetrySettings } from './settings.ts';
import type { TelemetryStore } from './store.ts';

/** What one retention pass did. */
export interface RetentionPass {
  minutesRolledUp: number;
  batchIdsPruned: number;
}

/** The running retention timer. */
export interface Retention {
  /** One pass now: rolls up minute buckets past the minute retention, prunes batch ids past theirs. */
  runOnce(): Promise<RetentionPass>;
  /** Stops the timer; a pass in progress finishes. Idempotent. */
  stop(): void;
}

/**
 * Runs a retention pass every `settings.rollupIntervalMs`. The timer is unref'd (it never keeps
 * the process alive) and passes never overlap; a failed pass is logged and the next one retries,
 * since roll-up and pruning are idempotent.
 */
export function startRetention(
  store: TelemetryStore,
  settings: Pick<TelemetrySettings, 'rollupIntervalMs' | 'minuteRetentionMs' | 'dedupRetentionMs'>,
  now: () => Date = () => new Date(),
): Retention {
  let running: Promise<RetentionPass> | null = null;
  const runOnce = () => {
    running ??= (async () => {
      try {
        const at = now().getTime();
        return {
          minutesRolledUp: await store.rollUp(new Date(at - settings.minuteRetentionMs)),
          batchIdsPruned: await store.pruneBatchIds(new Date(at - settings.dedupRetentionMs)),
        };
      } finally {
        running = null;
      }
    })();
    return running;
  };
  const timer = setInterval(() => {
    runOnce().catch((error: unknown) => console.error('ferry: telemetry retention pass failed', error));
  }, settings.rollupIntervalMs);
  timer.unref();
  return { runOnce, stop: () => clearInterval(timer) };
}
