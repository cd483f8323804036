import type { Engine } from '../runtime/engine.ts';

/** One model's engine, which a control change may replace while runs are in flight. */
export interface EngineSlot {
  readonly current: Engine;
  /** Runs `fn` on the current engine; that engine stays alive until `fn` settles. */
  use<T>(fn: (engine: Engine) => Promise<T>): Promise<T>;
  /**
   * The current engine, kept alive until {@link EngineSlot.release} is called with it, once for
   * each acquire: `use` without its promise layer, for run()'s hot path (issue 10, point 10).
   */
  acquire(): Engine;
  release(engine: Engine): void;
  /**
   * Makes `next` current at once (later `use` calls get it) and disposes the old engine once the
   * runs already on it have settled: no run fails because of a switch. Resolves once disposed.
   */
  replace(next: Engine): Promise<void>;
  /** Disposes the current engine (after its runs) and any retired one still draining. */
  dispose(): Promise<void>;
  /**
   * Calls `callback` once, when a run is next released (the run path releases before it posts
   * the answer, so work that the callback queues as a task follows that answer). A later call
   * replaces a callback not called yet.
   */
  afterFirstRun(callback: () => void): void;
}

/** Holds `engine` and counts the runs on each engine it ever held. */
export function createEngineSlot(engine: Engine): EngineSlot {
  let current = engine;
  const inFlight = new Map<Engine, number>();
  const drained = new Map<Engine, () => void>();
  let firstRun: (() => void) | undefined;

  const release = (used: Engine) => {
    if (firstRun) {
      const callback = firstRun;
      firstRun = undefined;
      callback();
    }
    const left = (inFlight.get(used) ?? 1) - 1;
    if (left > 0) return void inFlight.set(used, left);
    inFlight.delete(used);
    drained.get(used)?.();
  };

  const acquire = () => {
    inFlight.set(current, (inFlight.get(current) ?? 0) + 1);
    return current;
  };

  /** Resolves once `old` has no run in flight, then disposes it. */
  async function retire(old: Engine): Promise<void> {
    if (inFlight.has(old)) await new Promise<void>((resolve) => drained.set(old, resolve));
    drained.delete(old);
    await old.dispose();
  }

  return {
    get current() {
      return current;
    },
    async use(fn) {
      const engine = acquire();
      try {
        return await fn(engine);
      } finally {
        release(engine);
      }
    },
    acquire,
    release,
    replace(next) {
      const old = current;
      current = next;
      return old === next ? Promise.resolve() : retire(old);
    },
    dispose: () => retire(current),
    afterFirstRun(callback) {
      firstRun = callback;
    },
  };
}
