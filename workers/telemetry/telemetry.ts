import type { ErrorCode } from '$shared/errors.ts';
import type { PublishedManifest } from '$shared/schemas/manifest.ts';
import type { EngineResult } from '../runtime/engine.ts';
import type { ModelInfo, RunInput } from '../types.ts';
import { createAggregate, type Aggregate, type RunRecord } from './aggregator.ts';
import { noisedCounts, sealBatch } from './batch.ts';
import type { TelemetryConfig } from './config.ts';
import { fallbackReasonCode } from './fallback-reason.ts';
import { createInputMeasure, type InputMeasure } from './measured-input.ts';
import { cryptoUniform, type Uniform } from './noise.ts';
import { createPendingRuns, type PendingBounds } from './pending-runs.ts';
import type { TelemetryQueue } from './queue.ts';
import { SDK_VERSION } from './sdk-version.ts';
import { createSender, type SenderStats } from './sender.ts';

/** Telemetry as `client.status().telemetry` reports it. */
export interface TelemetryStatus extends SenderStats {
  enabled: true;
  /** Runs, failures and loads are not counted now (`client.pauseTelemetry()`); sending goes on. */
  paused: boolean;
  /** Where the queue lives: IndexedDB (survives reloads) or memory. */
  storage: 'indexeddb' | 'memory';
  /** Batches waiting to be sent, and their bytes. */
  queued: number;
  queuedBytes: number;
  /** Batches sealed into the queue by this worker. */
  batches: number;
  /** Batches dropped over the queue's bounds, not yet reported in a batch. */
  droppedBatches: number;
  /** Recordings or flushes that failed inside telemetry (never seen by the host app). */
  internalErrors: number;
  /**
   * Milliseconds this worker spent holding runs (after each answer was posted; estimated from
   * every 17th run), recording them (timed, whenever it happens) and sealing batches, synchronous
   * work only: the IndexedDB writes and requests run outside it.
   */
  recordingMs: number;
  sealingMs: number;
}

/** One successful run as the worker saw it. */
export interface RunRecordInput {
  input: RunInput;
  result: EngineResult;
  latencyMs: number;
}

/**
 * A batch ends at flushRuns runs, but is written to the queue once no run has come for this long,
 * so that its IndexedDB write happens between runs, not in the middle of a burst of them.
 */
const SEAL_IDLE_MS = 20;
/**
 * …or once it has waited this long, so that runs that never pause for SEAL_IDLE_MS (a model run
 * on every video frame) cannot hold batches in memory without end.
 */
const SEAL_MAX_WAIT_MS = 1000;

/**
 * Runs not recorded yet (see pending-runs.ts): recorded 64 at a time (or at 1 MiB held: a
 * one-channel 512×512 float image is 1 MiB), when a batch is cut, when status() or flush() asks,
 * or once runs have paused for 250 ms, whichever comes first. In Chromium a timer that wakes the
 * idle worker cost more CPU than recording the runs it woke for (about 100 µs a wake against a few
 * µs a digits run; the former 4 ms idle timer woke it about twice per burst of 15 runs), so runs
 * are recorded at a bound, in one loop, and the idle timer only lets go of inputs once the page
 * stops running the model.
 */
const PENDING: PendingBounds = { maxRuns: 64, maxBytes: 1 << 20, idleMs: 250 };

/**
 * One run in this many is timed for `recordingMs`: prime, so that the runs that cut a batch are
 * timed as often as any other.
 */
const RUN_TIMING_STRIDE = 17;

/** What an aggregate's environment counts: facts of this worker, not of the model. */
export interface TelemetryEnvironment {
  crossOriginIsolated: boolean;
  webgpuAvailable: boolean;
}

/** What the worker tells telemetry; no method throws or rejects. */
export interface Telemetry {
  /** A model loaded: start (or keep) its version's aggregate and count the load (unless paused). */
  loaded(slot: string, info: ModelInfo, environment: TelemetryEnvironment): void;
  /**
   * A model that loaded before telemetry started (consent came later): its runs from now are
   * counted under its version's aggregate; its load, which came before, is not.
   */
  attach(slot: string, info: ModelInfo, environment: TelemetryEnvironment): void;
  /**
   * A run of `slot` succeeded: held, and counted with its input's features 64 runs later (or
   * when a batch is cut, status() or flush() asks, or runs pause: no count is lost or changed,
   * and the batch window starts at the first run's time). The worker calls it once the run's
   * answer is posted; what it does then is mostly a few stores, so that the page's next request
   * finds the worker free (a timer task per run cost more than the counting: issue 8, run() mean
   * 1.21x; issue 10, point 10).
   */
  ran(slot: string, run: RunRecordInput): void;
  /** A run of `slot` failed with `code`. */
  failed(slot: string, code: ErrorCode): void;
  /** Seals every non-empty aggregate into the queue and starts sending; resolves once queued. */
  flush(): Promise<void>;
  /** Measures the inputs still held first, so that what it reports covers every recorded run. */
  status(): Promise<TelemetryStatus>;
  /**
   * While paused, `ran`, `failed` and `loaded` count nothing (a load still attaches its model);
   * runs held, batches cut and the queue are kept, and sent as before. Costs `ran` one check.
   */
  pause(paused: boolean): void;
  /** Stops for good: nothing is counted or sent after it; what is queued stays queued. */
  stop(): void;
  /**
   * Consent withdrawn: stops as `stop` does and deletes what was not sent: runs held, counts not
   * yet sealed, batches cut and every batch in the queue (earlier pages' too). Resolves once the
   * queue is empty; a request already under way still finishes.
   */
  discard(): Promise<void>;
}

/** Options of {@link createTelemetry}. */
export interface TelemetryDeps {
  config: TelemetryConfig;
  /** The queue, possibly still opening: recording never waits for it. */
  queue: Promise<TelemetryQueue>;
  endpoint: string;
  fetch: typeof fetch;
  keepalive: boolean;
  /** Noise and jitter source; default the platform's CSPRNG. */
  uniform?: Uniform;
}

interface Tracked {
  aggregate: Aggregate;
  manifest: PublishedManifest;
  /** What the version's features are measured on, set up once for it. */
  inputs: InputMeasure;
  /** What each run hands the aggregate, refilled per run so that recording allocates nothing. */
  record: RunRecord;
  /** Runs held for this entry and not yet recorded: they count towards flushRuns. */
  held: number;
  /** The interval flush of the current window, armed by its first event. */
  timer?: ReturnType<typeof setTimeout>;
}

/** A batch's counts, taken at `flushRuns` and written to the queue once runs pause. */
interface Cut {
  counts: ReturnType<Aggregate['take']>;
  firstEventAt: number;
  /** When the counts were taken: the batch's window ends here. */
  at: number;
}

/**
 * Worker-side telemetry: one aggregate per model version (and backend), sealed into a batch after
 * `flushRuns` runs or `flushIntervalMs` after its first event, or on `flush()` (the page hid);
 * batches go to the persistent queue and from there to the server.
 */
export function createTelemetry(deps: TelemetryDeps): Telemetry {
  const { config } = deps;
  const uniform = deps.uniform ?? cryptoUniform();
  const sender = createSender({
    queue: deps.queue,
    endpoint: deps.endpoint,
    fetch: deps.fetch,
    retry: config.retry,
    uniform,
    keepalive: deps.keepalive,
  });
  const tracked = new Map<string, Tracked>();
  const slots = new Map<string, Tracked>();
  let batches = 0;
  let internalErrors = 0;
  let recordingMs = 0;
  let untilTimed = 1;
  let sealingMs = 0;
  let lastInternal: string | undefined;
  let sealing = Promise.resolve();
  let stopped = false;
  let paused = false;
  let discarded = false;
  /** stopped or paused: the one flag ran() checks. */
  let ignoring = false;

  const internal = (error: unknown) => {
    internalErrors++;
    lastInternal = error instanceof Error ? error.message : String(error);
  };

  const pending = createPendingRuns<Tracked>({
    bounds: PENDING,
    record(entry, run) {
      entry.held--;
      const { record } = entry;
      record.latencyMs = run.latencyMs;
      record.measured =
        entry.aggregate.featureCount > 0 ? entry.inputs.measure(run.input, run.seen) : undefined;
      record.scores = run.scores;
      try {
        entry.aggregate.recordRun(record);
      } finally {
        // Nothing of the run's input outlives its recording.
        record.measured = undefined;
        record.scores = undefined;
        entry.inputs.release();
      }
    },
    onError: internal,
  });

  /** Takes `entry`'s counts for a batch (noised if ε is set), or null when it has none. */
  function cut(entry: Tracked): Cut | null {
    // The held runs of this batch belong in it.
    pending.recordAll();
    const firstEventAt = entry.aggregate.firstEventAt;
    clearTimeout(entry.timer);
    // Assigned, not deleted: a deleted property would turn every entry lookup slow per run.
    entry.timer = undefined;
    if (firstEventAt === undefined) return null;
    const exact = entry.aggregate.take();
    const counts =
      config.epsilon === undefined
        ? exact
        : noisedCounts(
            exact,
            { epsilon: config.epsilon, sensitivity: Math.max(entry.aggregate.countsPerRun, 3) },
            uniform,
          );
    return { counts, firstEventAt, at: Date.now() };
  }

  /** Seals `taken` into a batch in the queue and starts sending; resolves once queued. */
  function write(taken: Cut): Promise<void> {
    // One seal at a time, so each drop count is reported in exactly one batch.
    const step = sealing.then(async () => {
      const queue = await deps.queue;
      // Discarded meanwhile: the batch goes with the rest.
      if (discarded) return;
      const droppedBatches = await queue.dropped();
      const started = performance.now();
      const { batch, body, bytes } = sealBatch(taken.counts, {
        firstEventAt: taken.firstEventAt,
        now: taken.at,
        sdkVersion: SDK_VERSION,
        droppedBatches,
      });
      sealingMs += performance.now() - started;
      await queue.push({ batchId: batch.batchId, body, bytes }, { reportedDrops: batch.droppedBatches ?? 0 });
      batches++;
      sender.kick();
    });
    sealing = step.catch(internal);
    return sealing;
  }

  function seal(entry: Tracked): Promise<void> {
    const taken = cut(entry);
    return taken ? write(taken) : Promise.resolve();
  }

  function track(entry: Tracked) {
    entry.timer ??= setTimeout(() => void seal(entry), config.flushIntervalMs);
  }

  const cuts: Cut[] = [];
  let idle: ReturnType<typeof setTimeout> | undefined;
  /** Runs that came while cut batches waited, and how many had come when the timer was armed. */
  let runsWaited = 0;
  let runsAtArm = 0;
  /** performance.now() when the oldest cut not yet written was taken. */
  let cutsSince = 0;

  /** Ends `entry`'s batch at flushRuns; its queue write waits for {@link writeWhenIdle}. */
  function takeBatch(entry: Tracked) {
    const taken = cut(entry);
    if (!taken) return;
    if (cuts.length === 0) cutsSince = performance.now();
    cuts.push(taken);
  }

  function writeCuts(): Promise<void> {
    return Promise.all(cuts.splice(0).map(write)).then(() => undefined);
  }

  /**
   * Writes the cut batches once a whole SEAL_IDLE_MS passes without a run (so 1–2× SEAL_IDLE_MS
   * after the last), or once SEAL_MAX_WAIT_MS passed since the oldest was cut. One timer, re-armed
   * when it finds that runs came, and a counter per run instead of a clock read per run (or a
   * clearTimeout and a setTimeout).
   */
  function writeWhenIdle() {
    runsWaited++;
    if (idle === undefined) {
      runsAtArm = runsWaited;
      idle = setTimeout(writeIfIdle, SEAL_IDLE_MS);
    }
  }

  function writeIfIdle() {
    if (runsWaited !== runsAtArm && performance.now() - cutsSince < SEAL_MAX_WAIT_MS) {
      runsAtArm = runsWaited;
      idle = setTimeout(writeIfIdle, SEAL_IDLE_MS);
      return;
    }
    idle = undefined;
    void writeCuts();
  }

  /** Points `slot` at its version's entry, made on first sight; may throw. */
  function attach(slot: string, info: ModelInfo, environment: TelemetryEnvironment): Tracked {
    const key = `${info.name}@${info.version}#${info.manifest.metadataVersion}/${info.backend}`;
    let entry = tracked.get(key);
    if (!entry) {
      const aggregate = createAggregate(info.manifest, {
        backend: info.backend,
        threads: info.threads,
        ...environment,
      });
      entry = {
        aggregate,
        manifest: info.manifest,
        inputs: createInputMeasure(info.manifest),
        record: { latencyMs: 0 },
        held: 0,
      };
      tracked.set(key, entry);
    }
    slots.set(slot, entry);
    return entry;
  }

  function stop() {
    stopped = ignoring = true;
    clearTimeout(idle);
    pending.clear();
    for (const entry of tracked.values()) clearTimeout(entry.timer);
    sender.stop();
  }

  sender.kick(); // batches left by an earlier page go first

  return {
    attach(slot, info, environment) {
      if (stopped) return;
      try {
        attach(slot, info, environment);
      } catch (error) {
        internal(error);
      }
    },
    loaded(slot, info, environment) {
      if (stopped) return;
      try {
        const entry = attach(slot, info, environment);
        if (paused) return;
        track(entry);
        const fallback = fallbackReasonCode(info.fallbackReason);
        entry.aggregate.recordLoad({
          fromCache: info.fromCache,
          bytesDownloaded: info.bytesDownloaded,
          loadMs: info.loadMs,
          ...(fallback ? { fallback } : {}),
        });
      } catch (error) {
        internal(error);
      }
    },
    ran(slot, run) {
      if (ignoring) return;
      // Reading the clock twice on every run cost a fifth of the counting in Chromium: every
      // RUN_TIMING_STRIDE-th run is timed and stands for the others.
      const timed = --untilTimed === 0;
      const started = timed ? performance.now() : 0;
      // Recording that a bound or a cut sets off here is timed apart, in full.
      const recorded = timed ? pending.recordingMs : 0;
      // Holding runs right after each answer is posted, mostly cold: a few loads, stores and checks
      // in this one function, and as few calls as can be.
      const entry = slots.get(slot);
      if (entry) {
        try {
          // An entry's interval timer is armed exactly while its batch window is open (both start
          // at the window's first event and end when it is cut), so one check stands for both. The
          // window starts at the run, not at its recording.
          if (entry.timer === undefined) {
            track(entry);
            entry.aggregate.touch();
          }
          // The top-1 score is all that is held of the result: a few dozen bytes. Counted as held
          // once held: sizing a hostile input throws only before holding.
          pending.hold(entry, run, 64 + entry.inputs.bytes(run.input, run.result));
          entry.held++;
          if (entry.aggregate.runs + entry.held >= config.flushRuns) takeBatch(entry);
        } catch (error) {
          internal(error);
        }
      }
      // Runs are what postpones a seal.
      if (cuts.length > 0) writeWhenIdle();
      if (timed) {
        untilTimed = RUN_TIMING_STRIDE;
        const holding = performance.now() - started - (pending.recordingMs - recorded);
        recordingMs += holding * RUN_TIMING_STRIDE;
      }
    },
    failed(slot, code) {
      const entry = slots.get(slot);
      // A disposed or unloaded model never ran: such calls are the app's, not the model's.
      if (!entry || ignoring || code === 'MODEL_DISPOSED' || code === 'MODEL_NOT_READY') return;
      try {
        track(entry);
        entry.aggregate.recordError(code);
        if (entry.aggregate.runs + entry.held >= config.flushRuns) {
          takeBatch(entry);
          writeWhenIdle();
        }
      } catch (error) {
        internal(error);
      }
    },
    async flush() {
      if (stopped) return;
      clearTimeout(idle);
      idle = undefined;
      await Promise.all([writeCuts(), ...[...tracked.values()].map(seal)]);
    },
    async status() {
      pending.recordAll();
      const queue = await deps.queue;
      const [size, droppedBatches] = await Promise.all([queue.size(), queue.dropped()]).catch(
        (error: unknown) => {
          internal(error);
          return [{ batches: 0, bytes: 0 }, 0] as const;
        },
      );
      const stats = sender.stats();
      const lastError = stats.lastError ?? lastInternal;
      return {
        enabled: true,
        paused,
        storage: queue.kind,
        queued: size.batches,
        queuedBytes: size.bytes,
        batches,
        droppedBatches,
        internalErrors,
        recordingMs: recordingMs + pending.recordingMs,
        sealingMs,
        ...stats,
        ...(lastError ? { lastError } : {}),
      };
    },
    pause(pause) {
      if (stopped) return;
      paused = pause;
      ignoring = pause;
    },
    stop,
    async discard() {
      discarded = true;
      stop();
      cuts.length = 0;
      tracked.clear();
      slots.clear();
      // A write already under way lands first, then goes with the rest.
      await sealing;
      try {
        await (await deps.queue).clear();
      } catch (error) {
        internal(error);
      }
    },
  };
}
