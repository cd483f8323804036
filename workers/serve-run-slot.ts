import type { RunRequest } from './client/run-channel.ts';
import {
  readRequest,
  RELEASED,
  SEQUENCE,
  SlotState,
  STATE,
  waitAsync,
  type RunSlot,
} from './client/run-slot.ts';
import { createSpinPolicy, type SpinPolicy } from './run-slot-spin.ts';

/** `Atomics.pause` (ES2026; Chrome 133), a CPU hint inside a polling loop, where the browser has it. */
const pause = (Atomics as { pause?: () => void }).pause;

/** Polls `words[STATE]` until it is no longer `state` (true) or `deadline` passes (false); -1 polls not at all. */
function pollUntil(words: Int32Array, state: number, deadline: number): boolean {
  if (deadline < 0) return false;
  while (Atomics.load(words, STATE) === state) {
    if (performance.now() >= deadline) return false;
    pause?.call(Atomics);
  }
  return true;
}

/**
 * The worker's end of the run slot (client/run-slot.ts): hands each request the page writes into
 * `slot` to `answer`, with `slot` and the page's `known` count set on it; `answer` settles it
 * through {@link releaseRunSlot} (run-answers.ts does). Waits with `Atomics.waitAsync`, never
 * `Atomics.wait`: the worker keeps answering comlink calls and posted runs meanwhile. While the
 * page sends requests back to back, it first polls the slot for a moment after each answer
 * (run-slot-spin.ts), holding its event loop for at most that long.
 */
export function serveRunSlot(
  slot: RunSlot,
  answer: (request: RunRequest) => void,
  spin: SpinPolicy = createSpinPolicy(),
): void {
  // The page only shares a slot where it has waitAsync; the worker runs in the same browser.
  const wait = waitAsync;
  if (!wait) return;
  const { words, floats } = slot;
  // The sequence number last handed to `answer`: a request stays REQUESTED until answered.
  let served = 0;
  const check = (): void => {
    for (;;) {
      const state = Atomics.load(words, STATE);
      if (state === SlotState.REQUESTED && words[SEQUENCE] !== served) {
        spin.requested(performance.now(), floats[RELEASED] as number);
        served = words[SEQUENCE] as number;
        answer({ ...readRequest(slot), slot });
        // Answered synchronously (a model that is not loaded) or not: the loop reads the state again.
        continue;
      }
      // Answered: the page's next request may be moments away.
      if (state !== SlotState.REQUESTED && pollUntil(words, state, spin.deadline(floats[RELEASED] as number)))
        continue;
      const waited = wait(words, STATE, state);
      if (waited.async) return void waited.value.then(check);
    }
  };
  check();
}

/**
 * Ends the slot run the worker answered: ANSWERED (its answer is in the slot) or POSTED (it went
 * by postMessage under the run's sequence number), notes when (for the poll, run-slot-spin.ts),
 * and wakes the page's `Atomics.waitAsync`.
 */
export function releaseRunSlot(
  slot: RunSlot,
  state: typeof SlotState.ANSWERED | typeof SlotState.POSTED,
): void {
  slot.floats[RELEASED] = performance.now();
  Atomics.store(slot.words, STATE, state);
  Atomics.notify(slot.words, STATE);
}
