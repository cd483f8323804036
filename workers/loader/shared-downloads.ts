/** Called with the bytes of one download received so far. */
export type OnBytes = (received: number) => void;

/** Starts one download with progress; resolves with its verified bytes. */
export type StartDownload = (onBytes: OnBytes) => Promise<Uint8Array>;

/** The downloads of one load; see {@link SharedDownloads.lease}. */
export interface DownloadLease {
  /**
   * The verified bytes of the blob `key` names (its sha256 and size): joins the download another load of this worker has in flight
   * (or finished and not yet released), else starts one with `start`. `onBytes` hears the bytes
   * received so far whoever started it; `joined` says the bytes came from another load's
   * download. A failed download is forgotten at once, so the next caller starts it again.
   */
  obtain(
    key: string,
    start: StartDownload,
    onBytes?: OnBytes,
  ): Promise<{ bytes: Uint8Array; joined: boolean }>;
  /** Forgets the downloads this lease started (call once the load committed them, or failed). Idempotent. */
  release(): void;
}

/** Downloads in flight in one worker, by blob, so concurrent loads share one request per blob. */
export interface SharedDownloads {
  /** A lease for one load: the downloads it starts stay joinable until it is released. */
  lease(): DownloadLease;
  /** Downloads currently joinable (for tests and status). */
  readonly size: number;
}

interface Entry {
  promise: Promise<Uint8Array>;
  received: number;
  listeners: Set<OnBytes>;
  settled: boolean;
  released: boolean;
}

/**
 * Creates the in-flight map of one worker. Successful downloads stay joinable until the load that
 * started them releases its lease, because that load commits them to the cache only after all its
 * files arrive: a second load starting in between would otherwise miss both.
 */
export function createSharedDownloads(): SharedDownloads {
  const entries = new Map<string, Entry>();
  const forget = (key: string, entry: Entry) => {
    if (entries.get(key) === entry) entries.delete(key);
  };

  function begin(key: string, start: StartDownload): Entry {
    const entry: Entry = {
      promise: Promise.resolve(new Uint8Array()),
      received: 0,
      listeners: new Set(),
      settled: false,
      released: false,
    };
    entry.promise = start((received) => {
      entry.received = received;
      for (const listener of entry.listeners) listener(received);
    });
    entries.set(key, entry);
    entry.promise.then(
      () => {
        entry.settled = true;
        if (entry.released) forget(key, entry);
      },
      () => {
        entry.settled = true;
        forget(key, entry);
      },
    );
    return entry;
  }

  return {
    get size() {
      return entries.size;
    },
    lease() {
      const started: [string, Entry][] = [];
      return {
        async obtain(key, start, onBytes) {
          const existing = entries.get(key);
          const entry = existing ?? begin(key, start);
          if (!existing) started.push([key, entry]);
          if (onBytes) {
            entry.listeners.add(onBytes);
            if (existing && entry.received > 0) onBytes(entry.received);
          }
          try {
            return { bytes: await entry.promise, joined: existing !== undefined };
          } finally {
            if (onBytes) entry.listeners.delete(onBytes);
          }
        },
        release() {
          for (const [key, entry] of started.splice(0)) {
            entry.released = true;
            if (entry.settled) forget(key, entry);
          }
        },
      };
    },
  };
}
