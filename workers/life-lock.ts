/**
 * Liveness of a worker through the Web Locks API: the worker holds a lock with a unique name for
 * its whole life, and the page asks for the same lock. The browser grants it to the page only once
 * the worker's hold ends, which happens however the worker ends (terminated, crashed, killed by the
 * browser), when no `error` event fires at all.
 * https://developer.mozilla.org/en-US/docs/Web/API/Web_Locks_API
 */

/** The Web Locks API where this context has one (secure contexts only), else undefined. */
function lockManager(): LockManager | undefined {
  return (globalThis.navigator as { locks?: LockManager } | undefined)?.locks;
}

/** A lock name no other worker of this origin uses. */
export function lifeLockName(): string {
  const random = globalThis.crypto?.randomUUID?.() ?? `${Date.now()}-${Math.random().toString(36).slice(2)}`;
  return `ferry-worker-${random}`;
}

/**
 * Worker side: takes the lock `name` and never gives it back. Resolves once held, or at once when
 * this context has no Web Locks (the page then cannot notice this worker's death).
 */
export function holdLifeLock(name: string): Promise<void> {
  const locks = lockManager();
  if (!locks) return Promise.resolve();
  return new Promise((held, refused) => {
    locks
      .request(name, () => {
        held();
        return new Promise<never>(() => undefined);
      })
      .catch(refused);
  });
}

/**
 * Page side: calls `onGone` once the holder of `name` is gone. Call it only after the worker said
 * it holds the lock, or the page would get it first. Returns false without Web Locks.
 */
export function watchLifeLock(name: string, onGone: () => void): boolean {
  const locks = lockManager();
  if (!locks) return false;
  // The page's own hold ends as soon as onGone returns; the rejection case (a page being torn
  // down) leaves nothing to report to.
  locks.request(name, () => onGone()).catch(() => undefined);
  return true;
}
