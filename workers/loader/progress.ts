import type { LoadProgress } from '../types.ts';

/** Options of {@link createProgressTracker}. */
export interface ProgressOptions {
  name: string;
  version: string;
  files: readonly { path: string; size: number }[];
  emit: (progress: LoadProgress) => void;
  /** Least time between two events for the same file, unless it just completed. */
  throttleMs?: number;
  now?: () => number;
}

/** Feeds byte counts in; emits {@link LoadProgress} events out. */
export interface ProgressTracker {
  /** `loaded` bytes of `path` are here; lower values than before are ignored (a restart). */
  update(path: string, loaded: number, fromCache?: boolean): void;
  /** Overall bytes so far. */
  readonly loaded: number;
}

/**
 * Aggregates per-file byte counts into per-file and overall progress that only ever grows and
 * ends at exactly `total` (a resumed or restarted download never moves it backwards). Events are
 * throttled per file, but the one that completes a file is always emitted.
 */
export function createProgressTracker(options: ProgressOptions): ProgressTracker {
  const { name, version, emit, throttleMs = 50, now = () => Date.now() } = options;
  const sizes = new Map(options.files.map((f) => [f.path, f.size]));
  const done = new Map<string, number>();
  const lastEmit = new Map<string, number>();
  const total = options.files.reduce((sum, f) => sum + f.size, 0);
  let loaded = 0;

  return {
    get loaded() {
      return loaded;
    },
    update(path, bytes, fromCache = false) {
      const size = sizes.get(path);
      if (size === undefined) return;
      const before = done.get(path) ?? 0;
      const clamped = Math.min(Math.max(bytes, before), size);
      const firstReport = !done.has(path);
      if (clamped === before && !firstReport) return;
      done.set(path, clamped);
      loaded += clamped - before;
      const complete = clamped === size;
      const at = now();
      if (!complete && !firstReport && at - (lastEmit.get(path) ?? -Infinity) < throttleMs) return;
      lastEmit.set(path, at);
      emit({
        name,
        version,
        file: path,
        fileLoaded: clamped,
        fileTotal: size,
        fromCache,
        loaded,
        total,
        fraction: total === 0 ? 1 : loaded / total,
      });
    },
  };
}
