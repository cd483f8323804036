import type { Tokenized } from '$shared/features/text-features.ts';
import type { Feed } from '../runtime/tensor-input.ts';
import type { RunInput } from '../types.ts';
import type { EngineView } from './measured-input.ts';

/** Bounds of what {@link PendingInputs} holds: reaching either measures everything held. */
export interface PendingBounds {
  /** Runs held at most. */
  maxRuns: number;
  /** Bytes held at most (as the caller counts them), one input larger than this aside. */
  maxBytes: number;
  /** Held inputs are measured once no run has been held for this long (and at most twice this long). */
  idleMs: number;
}

/** Options of {@link createPendingInputs}. */
export interface PendingOptions<T> {
  bounds: PendingBounds;
  /** Measures one held input into `target`; may throw (the error goes to `onError`). */
  measure: (target: T, input: RunInput, seen: EngineView) => void;
  /** About how many bytes holding one run's input keeps alive (counted on every hold). */
  sizeOf: (target: T, input: RunInput, seen: EngineView) => number;
  onError: (error: unknown) => void;
}

/**
 * The inputs of runs that are already counted but whose features are still to be measured, in
 * run order. Contract: `hold` and `measureAll` never throw; every held input is measured exactly
 * once (by the idle timer, by a bound, or by `measureAll`) unless `clear` lets it go; a failing
 * measurement is reported and the rest still measured.
 */
export interface PendingInputs<T> {
  /** Holds one run's input (and what the engine saw of it: its feeds and tokens) for `target`. */
  hold(target: T, input: RunInput, seen: EngineView): void;
  /** Measures every held input now, in run order, and lets go of them. */
  measureAll(): void;
  /** Lets go of every held input unmeasured (telemetry stopped) and disarms the timer. */
  clear(): void;
  readonly runs: number;
  readonly bytes: number;
  /** Wall time spent in measuring, summed (two clock reads per `measureAll` that measured any). */
  readonly measuringMs: number;
}

/**
 * Inputs held until the worker is idle, so that measuring a run's features happens between
 * bursts of runs instead of right after each reply, when the page wakes up for it and the next
 * request follows (on two cores, worker time there delayed the page about one-for-one: issue 8,
 * run() on vs off). The worker owns a run's input (transferred or cloned to it) and the engine
 * makes fresh feeds each run, so holding references measures exactly what measuring at once did.
 * One timer for a burst, not one per run: it re-arms while holds keep coming (a counter compared,
 * no clock read per run).
 */
export function createPendingInputs<T>(options: PendingOptions<T>): PendingInputs<T> {
  const { bounds, measure, sizeOf, onError } = options;
  // Parallel arrays filled in place: holding a run allocates nothing.
  const targets: (T | undefined)[] = [];
  const inputs: (RunInput | undefined)[] = [];
  const feeds: (Readonly<Record<string, Feed>> | undefined)[] = [];
  const tokens: (Tokenized | undefined)[] = [];
  const seen: { inputs?: Readonly<Record<string, Feed>>; tokens?: Tokenized } = {};
  let runs = 0;
  let bytes = 0;
  let holds = 0;
  let holdsAtArm = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let measuringMs = 0;

  function whenIdle() {
    if (holds !== holdsAtArm) {
      holdsAtArm = holds;
      timer = setTimeout(whenIdle, bounds.idleMs);
      return;
    }
    timer = undefined;
    measureAll();
  }

  function measureAll() {
    if (timer !== undefined) {
      clearTimeout(timer);
      timer = undefined;
    }
    if (runs === 0) return;
    const started = performance.now();
    const count = runs;
    // Emptied first: a measurement that re-enters (it cannot today) finds nothing to measure twice.
    runs = 0;
    bytes = 0;
    for (let i = 0; i < count; i++) {
      const target = targets[i] as T;
      const input = inputs[i] as RunInput;
      seen.inputs = feeds[i];
      seen.tokens = tokens[i];
      targets[i] = inputs[i] = feeds[i] = tokens[i] = undefined;
      try {
        measure(target, input, seen);
      } catch (error) {
        onError(error);
      }
    }
    seen.inputs = seen.tokens = undefined;
    measuringMs += performance.now() - started;
  }

  return {
    hold(target, input, view) {
      const size = sizeOf(target, input, view);
      // Measured first rather than held past the byte bound (one input larger than it is
      // measured right after being held).
      if (runs > 0 && bytes + size > bounds.maxBytes) measureAll();
      targets[runs] = target;
      inputs[runs] = input;
      feeds[runs] = view.inputs;
      tokens[runs] = view.tokens;
      runs++;
      bytes += size;
      holds++;
      if (runs >= bounds.maxRuns || bytes >= bounds.maxBytes) measureAll();
      else if (timer === undefined) {
        holdsAtArm = holds;
        timer = setTimeout(whenIdle, bounds.idleMs);
      }
    },
    measureAll,
    clear() {
      clearTimeout(timer);
      timer = undefined;
      targets.fill(undefined, 0, runs);
      inputs.fill(undefined, 0, runs);
      feeds.fill(undefined, 0, runs);
      tokens.fill(undefined, 0, runs);
      runs = 0;
      bytes = 0;
    },
    get runs() {
      return runs;
    },
    get bytes() {
      return bytes;
    },
    get measuringMs() {
      return measuringMs;
    },
  };
}
