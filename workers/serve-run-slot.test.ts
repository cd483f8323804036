import { describe, expect, it, vi } from 'vitest';
import type { RunRequest } from './client/run-channel.ts';
import {
  readAnswer,
  RELEASED,
  runSlotOf,
  SlotState,
  STATE,
  waitAsync,
  writeAnswer,
  writeRequest,
} from './client/run-slot.ts';
import { createSpinPolicy, type SpinPolicy } from './run-slot-spin.ts';
import { releaseRunSlot, serveRunSlot } from './serve-run-slot.ts';

/** The page's side, in this thread: writes request `ferryRun` and wakes the worker's end. */
function request(slot: ReturnType<typeof runSlotOf>, ferryRun: number): void {
  const input = { x: { data: new Float32Array([ferryRun]), dims: [1] } };
  expect(writeRequest(slot, { ferryRun, model: 'm', known: 0, input })).toBe(true);
  Atomics.store(slot.words, STATE, SlotState.REQUESTED);
  Atomics.notify(slot.words, STATE);
}

/** Resolves once the worker's end released the slot's run (the page's `Atomics.waitAsync`). */
async function released(slot: ReturnType<typeof runSlotOf>): Promise<void> {
  const waited = (waitAsync as NonNullable<typeof waitAsync>)(slot.words, STATE, SlotState.REQUESTED);
  if (waited.async) await waited.value;
}

describe('serveRunSlot', () => {
  it('answers back-to-back requests, polling after each answer once they come quickly, and still answers after a poll ran out', async () => {
    const slot = runSlotOf();
    // A budget far above this thread's gaps, so that a loaded machine still shows the poll.
    const policy = createSpinPolicy(20);
    const deadlines: number[] = [];
    const spin: SpinPolicy = {
      requested: (now, releasedAt) => policy.requested(now, releasedAt),
      deadline: (releasedAt) => {
        const deadline = policy.deadline(releasedAt);
        deadlines.push(deadline);
        return deadline;
      },
    };
    const served: number[] = [];
    const answer = (run: RunRequest) => {
      served.push(run.ferryRun);
      const x = (run.input as Record<string, { data: Float32Array }>).x?.data[0] as number;
      // Answered a task later, as a session.run is.
      setTimeout(() => {
        expect(writeAnswer(slot, { data: [new Float32Array([x * 2])], latencyMs: 1 })).toBe(true);
        releaseRunSlot(run.slot as NonNullable<RunRequest['slot']>, SlotState.ANSWERED);
      }, 0);
    };
    serveRunSlot(slot, answer, spin);
    for (let ferryRun = 1; ferryRun <= 4; ferryRun++) {
      request(slot, ferryRun);
      await released(slot);
      expect(Atomics.load(slot.words, STATE)).toBe(SlotState.ANSWERED);
      expect(readAnswer(slot, 1).data[0]).toEqual(new Float32Array([ferryRun * 2]));
      expect(slot.floats[RELEASED]).toBeGreaterThan(0);
      // The page frees the slot; its next request comes at once (this thread cannot write while
      // the worker's end polls, so each poll runs out and the request wakes it from waitAsync).
      Atomics.store(slot.words, STATE, SlotState.FREE);
    }
    expect(served).toEqual([1, 2, 3, 4]);
    // The first requests came with nothing released before them; later ones soon after a release.
    expect(deadlines.some((deadline) => deadline > 0)).toBe(true);
    expect(deadlines[0]).toBe(-1);
  });

  it('serves requests one after another with a policy that never polls, waking from waitAsync each time', async () => {
    const slot = runSlotOf();
    const served: number[] = [];
    serveRunSlot(
      slot,
      (run) => {
        served.push(run.ferryRun);
        releaseRunSlot(run.slot as NonNullable<RunRequest['slot']>, SlotState.POSTED);
      },
      { requested: () => undefined, deadline: () => -1 },
    );
    request(slot, 1);
    await vi.waitFor(() => expect(served).toEqual([1]));
    Atomics.store(slot.words, STATE, SlotState.FREE);
    request(slot, 2);
    await vi.waitFor(() => expect(served).toEqual([1, 2]));
  });
});
