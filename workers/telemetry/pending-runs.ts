import type { Tokenized } from '$shared/features/text-features.ts';
import type { Feed } from '../runtime/tensor-input.ts';
import type { RunInput, Score } from '../types.ts';
import type { EngineView } from './measured-input.ts';

/** Bounds of what {@link PendingRuns} holds: reaching either records everything held. */
export interface PendingBounds {
  /** Runs held at most. */
  maxRuns: number;
  /** Bytes held at most (as `hold` is told them), one run larger than this aside. */
  maxBytes: number;
  /** Held runs are recorded once no run has been held for this long (and at most twice this long). */
  idleMs: number;
}

/** One successful run as the worker hands it over: its input, what the engine made of it, its latency. */
export interface RunToHold {
  readonly input: RunInput;
  readonly result: EngineView & { readonly scores?: readonly Score[] };
  readonly latencyMs: number;
}

/** A held run as it is recorded: one object refilled for each (read it before the next). */
export interface HeldRun {
  input: RunInput;
  /** What the engine saw of the input: its feeds and token ids. */
  seen: { inputs?: Readonly<Record<string, Feed>>; tokens?: Tokenized };
  /** The top-1 score alone (all a batch counts), or an empty list. */
  scores: Score[];
  latencyMs: number;
}

/** Options of {@link createPendingRuns}. */
export interface PendingOptions<T> {
  bounds: PendingBounds;
  /** Records one held run into `target`; may throw (the error goes to `onError`). */
  record: (target: T, run: HeldRun) => void;
  onError: (error: unknown) => void;
}

/**
 * Successful runs that are not recorded yet, in run order. Contract: `hold` and `recordAll` never
 * throw; every held run is recorded exactly once (by the idle timer, by a bound, or by
 * `recordAll`) unless `clear` lets it go; a failing recording is reported and the rest still
 * recorded.
 */
export interface PendingRuns<T> {
  /**
   * Holds one run for `target`: its input, feeds, token ids, top-1 score and latency; `bytes` is
   * about how much holding it keeps alive (its input's typed arrays and text).
   */
  hold(target: T, run: RunToHold, bytes: number): void;
  /** Records every held run now, in run order, and lets go of them. */
  recordAll(): void;
  /** Lets go of every held run unrecorded (telemetry stopped) and disarms the timer. */
  clear(): void;
  readonly runs: number;
  readonly bytes: number;
  /** Wall time spent recording held runs, summed (two clock reads per `recordAll` that recorded any). */
  readonly recordingMs: number;
}

/**
 * Runs held and recorded in one loop: at a bound, on `recordAll`, or once holds pause, so that what
 * follows each reply is a few stores (on two cores, worker time right after a reply delayed the
 * page about one-for-one: issue 8, run() on vs off). The worker owns a run's input (transferred or
 * cloned to it) and the engine makes fresh feeds each run, so holding references records exactly
 * what recording at once did. Only the top-1 score is kept of the result, never its outputs. One
 * timer for a burst, not one per run: it re-arms while holds keep coming (a counter compared, no
 * clock read per run).
 */
export function createPendingRuns<T>(options: PendingOptions<T>): PendingRuns<T> {
  const { bounds, record, onError } = options;
  // Parallel arrays filled in place: holding a run allocates nothing.
  const targets: (T | undefined)[] = [];
  const inputs: (RunInput | undefined)[] = [];
  const feeds: (Readonly<Record<string, Feed>> | undefined)[] = [];
  const tokens: (Tokenized | undefined)[] = [];
  const tops: (Score | undefined)[] = [];
  const latencies: number[] = [];
  const held: HeldRun = { input: '', seen: {}, scores: [], latencyMs: 0 };
  let runs = 0;
  let bytes = 0;
  let holds = 0;
  let holdsAtArm = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let recordingMs = 0;

  function whenIdle() {
    if (runs > 0 && holds !== holdsAtArm) {
      holdsAtArm = holds;
      timer = setTimeout(whenIdle, bounds.idleMs);
      return;
    }
    timer = undefined;
    recordAll();
  }

  // The timer stays armed through a recording: clearing it there, and arming it again at the next
  // hold, cost more than the one wake-up that finds nothing held and ends it.
  function recordAll() {
    if (runs === 0) return;
    const started = performance.now();
    const count = runs;
    // Emptied first: a recording that re-enters (it cannot today) finds nothing to record twice.
    runs = 0;
    bytes = 0;
    for (let i = 0; i < count; i++) {
      const target = targets[i] as T;
      const top = tops[i];
      held.input = inputs[i] as RunInput;
      held.seen.inputs = feeds[i];
      held.seen.tokens = tokens[i];
      held.scores.length = 0;
      if (top) held.scores.push(top);
      held.latencyMs = latencies[i] as number;
      targets[i] = inputs[i] = feeds[i] = tokens[i] = tops[i] = undefined;
      try {
        record(target, held);
      } catch (error) {
        onError(error);
      }
    }
    held.input = '';
    held.seen.inputs = held.seen.tokens = undefined;
    held.scores.length = 0;
    recordingMs += performance.now() - started;
  }

  return {
    hold(target, run, size) {
      // Recorded first rather than held past the byte bound (one run larger than it is recorded
      // right after being held).
      if (runs > 0 && bytes + size > bounds.maxBytes) recordAll();
      const { result } = run;
      targets[runs] = target;
      inputs[runs] = run.input;
      feeds[runs] = result.inputs;
      tokens[runs] = result.tokens;
      tops[runs] = result.scores?.[0];
      latencies[runs] = run.latencyMs;
      runs++;
      bytes += size;
      holds++;
      if (runs >= bounds.maxRuns || bytes >= bounds.maxBytes) recordAll();
      else if (timer === undefined) {
        holdsAtArm = holds;
        timer = setTimeout(whenIdle, bounds.idleMs);
      }
    },
    recordAll,
    clear() {
      clearTimeout(timer);
      timer = undefined;
      for (const list of [targets, inputs, feeds, tokens, tops]) list.fill(undefined, 0, runs);
      runs = 0;
      bytes = 0;
    },
    get runs() {
      return runs;
    },
    get bytes() {
      return bytes;
    },
    get recordingMs() {
      return recordingMs;
    },
  };
}
