import type { LoadProgress } from '../types.ts';

/** A file's progress is reported at least every this many bytes… */
export const PROGRESS_STEP_BYTES = 64 * 1024;
/** …and at least this often (ms) while its bytes keep coming. */
export const PROGRESS_INTERVAL_MS = 100;

/** Options of {@link createProgressTracker}. */
export interface ProgressOptions {
  name: string;
  version: string;
  files: readonly { path: string; size: number }[];
  emit: (progress: LoadProgress) => void;
  /** Bytes of one file that may arrive without an event (default {@link PROGRESS_STEP_BYTES}). */
  stepBytes?: number;
  /** Time after a file's last event when its next update is reported whatever its size. */
  intervalMs?: number;
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
 * ends at exactly `total` (a resumed or restarted download never moves it backwards). A file's
 * update is emitted when it is the first, completes the file, is `stepBytes` past the last event
 * or comes `intervalMs` after it; smaller ones are folded into the next event. A download that
 * jumps several steps at once (one large network read) is reported step by step, so no event of
 * a download is more than `stepBytes` past the one before (issue 10: a 579 KB file gave one or two
 * events under the former pure time throttle). Files from the cache are reported whole.
 */
export function createProgressTracker(options: ProgressOptions): ProgressTracker {
  const { name, version, emit, now = () => Date.now() } = options;
  const { stepBytes = PROGRESS_STEP_BYTES, intervalMs = PROGRESS_INTERVAL_MS } = options;
  const sizes = new Map(options.files.map((f) => [f.path, f.size]));
  const done = new Map<string, number>();
  const lastEmit = new Map<string, { at: number; bytes: number }>();
  const total = options.files.reduce((sum, f) => sum + f.size, 0);
  let loaded = 0;

  const report = (path: string, fileLoaded: number, fromCache: boolean) => {
    const fileTotal = sizes.get(path) ?? 0;
    emit({
      name,
      version,
      file: path,
      fileLoaded,
      fileTotal,
      fromCache,
      loaded,
      total,
      fraction: total === 0 ? 1 : loaded / total,
    });
  };

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
      const at = now();
      const base = loaded - before;
      let { at: lastAt, bytes: lastBytes } = lastEmit.get(path) ?? { at: -Infinity, bytes: 0 };
      if (!fromCache) {
        for (let step = lastBytes + stepBytes; step < clamped; step += stepBytes) {
          loaded = base + step;
          report(path, step, fromCache);
          [lastAt, lastBytes] = [at, step];
        }
      }
      loaded = base + clamped;
      const due = clamped - lastBytes >= stepBytes || at - lastAt >= intervalMs;
      if (firstReport || clamped === size || due) {
        report(path, clamped, fromCache);
        [lastAt, lastBytes] = [at, clamped];
      }
      lastEmit.set(path, { at: lastAt, bytes: lastBytes });
    },
  };
}
