import { afterEach, describe, expect, it } from 'vitest';
import type { FerryStatus, TelemetryStatus } from '$workers/client';
import { TelemetryWatch, type TelemetryControls } from './telemetry-watch.svelte';

type Telemetry = FerryStatus['telemetry'];

const on = (sent: number): TelemetryStatus => ({
  enabled: true,
  paused: false,
  storage: 'memory',
  queued: 0,
  queuedBytes: 0,
  batches: sent,
  droppedBatches: 0,
  internalErrors: 0,
  recordingMs: 0,
  sealingMs: 0,
  sent,
  duplicates: 0,
  rejected: 0,
  failedAttempts: 0,
});

/** A promise settled from outside. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((ok, fail) => ((resolve = ok), (reject = fail)));
  return { promise, resolve, reject };
}

/**
 * Controls whose status reads and consent changes answer only when the test says, in any order:
 * what a worker busy deleting a queue does to the calls posted around it.
 */
function controls() {
  const reads: ReturnType<typeof deferred<Telemetry>>[] = [];
  const changes: {
    setting: Parameters<TelemetryControls['setTelemetry']>[0];
    done: ReturnType<typeof deferred<void>>;
  }[] = [];
  const api: TelemetryControls = {
    status: () => {
      const read = deferred<Telemetry>();
      reads.push(read);
      return read.promise.then((telemetry) => ({ telemetry }));
    },
    flushTelemetry: () => Promise.resolve(),
    setTelemetry: (setting) => {
      const done = deferred<void>();
      changes.push({ setting, done });
      return done.promise;
    },
  };
  return { api, reads, changes };
}

/** Lets every settled promise's callbacks run. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

let watch: TelemetryWatch | undefined;
afterEach(() => watch?.stop());

describe('TelemetryWatch', () => {
  it('drops a status read that answers after a newer one, so a withdrawal is not shown as on', async () => {
    const { api, reads, changes } = controls();
    watch = new TelemetryWatch(api); // read 0, still unanswered: the poll in flight at the click
    const switching = watch.setConsent(false);
    expect(watch.pending).toBe(false);
    changes[0]!.done.resolve();
    await settle();
    reads[1]!.resolve({ enabled: false }); // the read after the change
    await switching;
    expect(watch.status).toEqual({ enabled: false });
    reads[0]!.resolve(on(3)); // the old poll, answering late
    await settle();
    expect(watch.status).toEqual({ enabled: false });
    expect(watch.pending).toBeNull();
  });

  it('applies only the last of the flips made while a change is under way', async () => {
    const { api, reads, changes } = controls();
    watch = new TelemetryWatch(api);
    reads[0]!.resolve(on(2));
    const first = watch.setConsent(false);
    void watch.setConsent(true);
    void watch.setConsent(false);
    void watch.setConsent(true);
    expect(watch.pending).toBe(true);
    changes[0]!.done.resolve();
    await settle();
    expect(changes.map((c) => c.setting)).toEqual([false, true]);
    changes[1]!.done.resolve();
    await settle();
    reads[1]!.resolve(on(0));
    await first;
    expect(changes).toHaveLength(2);
    expect(reads).toHaveLength(2); // one read once settled, none between the two changes
    expect(watch.status).toEqual(on(0));
    expect(watch.pending).toBeNull();
  });

  it('shows why a change failed and the state the worker reports, then clears the error on success', async () => {
    const { api, reads, changes } = controls();
    watch = new TelemetryWatch(api);
    reads[0]!.resolve(on(1));
    const failing = watch.setConsent(false);
    changes[0]!.done.reject(new Error('The Ferry worker stopped'));
    await settle();
    reads[1]!.resolve(on(1));
    await failing;
    expect(watch.error).toBe('The Ferry worker stopped');
    expect(watch.status).toEqual(on(1));
    expect(watch.pending).toBeNull();

    const retried = watch.setConsent(false);
    changes[1]!.done.resolve();
    await settle();
    reads[2]!.resolve({ enabled: false });
    await retried;
    expect(watch.error).toBeNull();
    expect(watch.status).toEqual({ enabled: false });
  });
});
