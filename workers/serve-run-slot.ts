import type { RunRequest } from './client/run-channel.ts';
import { readRequest, SEQUENCE, SlotState, STATE, waitAsync, type RunSlot } from './client/run-slot.ts';

/**
 * The worker's end of the run slot (client/run-slot.ts): hands each request the page writes into
 * `slot` to `answer`, with `slot` and the page's `known` count set on it; `answer` settles it
 * through {@link releaseRunSlot} (run-answers.ts does). Waits with `Atomics.waitAsync`, never
 * `Atomics.wait`: the worker keeps answering comlink calls and posted runs meanwhile.
 */
export function serveRunSlot(slot: RunSlot, answer: (request: RunRequest) => void): void {
  // The page only shares a slot where it has waitAsync; the worker runs in the same browser.
  const wait = waitAsync;
  if (!wait) return;
  const { words } = slot;
  // The sequence number last handed to `answer`: a request stays REQUESTED until answered.
  let served = 0;
  const check = (): void => {
    for (;;) {
      const state = Atomics.load(words, STATE);
      if (state === SlotState.REQUESTED && words[SEQUENCE] !== served) {
        served = words[SEQUENCE] as number;
        answer({ ...readRequest(slot), slot });
        // Answered synchronously (a model that is not loaded) or not: the loop reads the state again.
        continue;
      }
      const waited = wait(words, STATE, state);
      if (waited.async) return void waited.value.then(check);
    }
  };
  check();
}

/**
 * Ends the slot run the worker answered: ANSWERED (its answer is in the slot) or POSTED (it went
 * by postMessage under the run's sequence number), and wakes the page's `Atomics.waitAsync`.
 */
export function releaseRunSlot(
  slot: RunSlot,
  state: typeof SlotState.ANSWERED | typeof SlotState.POSTED,
): void {
  Atomics.store(slot.words, STATE, state);
  Atomics.notify(slot.words, STATE);
}
