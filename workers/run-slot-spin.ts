/**
 * How long the worker polls the run slot for the page's next request after answering, before it
 * sleeps in `Atomics.waitAsync`, while the page sends requests back to back: sleeping between
 * calls makes the worker slower to take up the next one, and the page's main thread, which sleeps
 * as long as each call takes, pays for a longer sleep on waking (a bare shared-memory ping cost
 * the page more CPU per call the longer its worker took to answer). On the 2-core machine of the
 * benchmarks (`npm run bench`, two runs with and two without in one session), digits' run() cost
 * the page's main thread 0.039 and 0.045 ms of CPU per call with the poll against 0.052 and 0.055
 * without, and its median round trip was 0.125 and 0.185 ms against 0.180 and 0.235; in three A/B
 * pages (a client of each in one page) the renderer's threads together used no more CPU per call
 * with it.
 */
export const RUN_SLOT_SPIN_MS = 0.2;

/**
 * When the worker polls, decided from what the page just did: after a request that came within
 * {@link RUN_SLOT_SPIN_MS} of the release of the run before it while polling, or within twice that
 * while the worker slept (its own wake-up is in the gap it sees). A page calling now and then
 * never costs the worker a poll; a poll that runs out (the page paused) is the last until requests
 * come quickly again, so one calling a little slower than the poll lasts wastes at most every
 * other poll. Times are the worker's performance.now(); a release time of 0 or less means none.
 */
export interface SpinPolicy {
  /** A new request was seen at `now`, the slot's previous run having been released at `releasedAt`. */
  requested(now: number, releasedAt: number): void;
  /** Until when to poll for the next request, the last run having been released at `releasedAt`; -1 not to poll. */
  deadline(releasedAt: number): number;
}

/** A {@link SpinPolicy} polling `spinMs` at most per wait. */
export function createSpinPolicy(spinMs = RUN_SLOT_SPIN_MS): SpinPolicy {
  let armed = false;
  return {
    requested(now, releasedAt) {
      const gap = releasedAt > 0 ? now - releasedAt : Infinity;
      // Polling, the request came in time or the poll ran out; sleeping, the gap also holds the wake-up.
      armed = gap <= (armed ? spinMs : 2 * spinMs);
    },
    deadline(releasedAt) {
      return armed && releasedAt > 0 ? releasedAt + spinMs : -1;
    },
  };
}
