import { afterEach, describe, expect, it } from 'vitest';
import type { RunInput } from '../types.ts';
import type { EngineView } from './measured-input.ts';
import { createPendingInputs, type PendingBounds, type PendingInputs } from './pending-inputs.ts';

const made: PendingInputs<string>[] = [];
afterEach(() => made.splice(0).forEach((pending) => pending.clear()));

/** A pending list whose measurements are logged as `target:name:tokens`; inputs are `name/bytes`. */
function logged(bounds: Partial<PendingBounds>, fail?: (name: string) => boolean) {
  const measured: string[] = [];
  const errors: unknown[] = [];
  const pending = createPendingInputs<string>({
    bounds: { maxRuns: 4, maxBytes: 1000, idleMs: 4, ...bounds },
    measure(target, input, seen) {
      const name = nameOf(input);
      if (fail?.(name)) throw new Error(`cannot measure ${name}`);
      measured.push(`${target}:${name}:${seen.tokens ? 'tokens' : '-'}`);
    },
    sizeOf: (_target, input) => Number(String(input).split('/')[1] ?? 1),
    onError: (error) => errors.push(error),
  });
  made.push(pending);
  return { pending, measured, errors };
}

const none: EngineView = {};
const nameOf = (input: RunInput) => String(input).split('/')[0] ?? '';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('createPendingInputs', () => {
  it('measures nothing while runs are held, then everything in run order once they pause', async () => {
    const { pending, measured } = logged({ idleMs: 4 });
    pending.hold('a', 'one/10', none);
    pending.hold('b', 'two/10', { tokens: { ids: [1], unkId: 0, specialIds: new Set() } });
    expect(measured).toEqual([]);
    expect(pending).toMatchObject({ runs: 2, bytes: 20 });
    await expect.poll(() => measured, { interval: 2 }).toEqual(['a:one:-', 'b:two:tokens']);
    expect(pending).toMatchObject({ runs: 0, bytes: 0 });
  });

  it('waits while holds keep coming and measures each held input once', async () => {
    const { pending, measured } = logged({ maxRuns: 1000, idleMs: 20 });
    // A hold every 2 ms keeps the 20 ms idle timer from finding a pause.
    for (let i = 0; i < 15; i++) {
      pending.hold('a', `run${i}/1`, none);
      await sleep(2);
    }
    expect(measured.length).toBeLessThan(15);
    await expect.poll(() => measured.length, { interval: 5 }).toBe(15);
    expect(measured).toEqual(Array.from({ length: 15 }, (_, i) => `a:run${i}:-`));
  });

  it('measures at once when maxRuns inputs are held', () => {
    const { pending, measured } = logged({ maxRuns: 3, idleMs: 10_000 });
    for (const input of ['1', '2', '3', '4']) pending.hold('a', input, none);
    expect(measured).toEqual(['a:1:-', 'a:2:-', 'a:3:-']);
    expect(pending.runs).toBe(1);
  });

  it('never holds more than maxBytes: what is held is measured before an input that would pass it', () => {
    const { pending, measured } = logged({ maxRuns: 100, maxBytes: 100, idleMs: 10_000 });
    pending.hold('a', '1/60', none);
    pending.hold('a', '2/30', none);
    expect(measured).toEqual([]);
    pending.hold('a', '3/30', none); // 120 bytes: 1 and 2 go first
    expect(measured).toEqual(['a:1:-', 'a:2:-']);
    expect(pending).toMatchObject({ runs: 1, bytes: 30 });
    pending.hold('a', 'big/500', none); // alone past the bound: measured right away
    expect(measured).toEqual(['a:1:-', 'a:2:-', 'a:3:-', 'a:big:-']);
    expect(pending).toMatchObject({ runs: 0, bytes: 0 });
  });

  it('measureAll() measures everything held now; a failing measurement is reported, the rest measured', () => {
    const { pending, measured, errors } = logged({ idleMs: 10_000 }, (input) => input === 'bad');
    pending.hold('a', 'x/1', none);
    pending.hold('a', 'bad/1', none);
    pending.hold('b', 'y/1', none);
    expect(() => pending.measureAll()).not.toThrow();
    expect(measured).toEqual(['a:x:-', 'b:y:-']);
    expect(errors).toHaveLength(1);
    pending.measureAll();
    expect(measured).toHaveLength(2);
  });

  it('clear() lets go of what is held without measuring it, and the idle timer measures nothing after', async () => {
    const { pending, measured } = logged({ idleMs: 4 });
    pending.hold('a', 'x/1', none);
    pending.clear();
    await sleep(20);
    expect(measured).toEqual([]);
    expect(pending.runs).toBe(0);
  });
});
