import { afterEach, describe, expect, it } from 'vitest';
import type { Score } from '../types.ts';
import { createPendingRuns, type PendingBounds, type PendingRuns, type RunToHold } from './pending-runs.ts';

const made: PendingRuns<string>[] = [];
afterEach(() => made.splice(0).forEach((pending) => pending.clear()));

/**
 * A pending list whose recordings are logged as `target:name:top:tokens`; a run's input is
 * `name/bytes`, its top-1 label `top`.
 */
function logged(bounds: Partial<PendingBounds>, fail?: (name: string) => boolean) {
  const recorded: string[] = [];
  const errors: unknown[] = [];
  const pending = createPendingRuns<string>({
    bounds: { maxRuns: 4, maxBytes: 1000, idleMs: 4, ...bounds },
    record(target, run) {
      const [name] = String(run.input).split('/');
      if (fail?.(name ?? '')) throw new Error(`cannot record ${name}`);
      const top = run.scores.map((s) => s.label).join('+') || '-';
      recorded.push(`${target}:${name}:${top}:${run.seen.tokens ? 'tokens' : '-'}:${run.latencyMs}`);
    },
    onError: (error) => errors.push(error),
  });
  made.push(pending);
  // The size a run's input names after its `/`.
  const hold = (target: string, held: RunToHold) =>
    pending.hold(target, held, Number(String(held.input).split('/')[1] ?? 1));
  return { pending, hold, recorded, errors };
}

const scores: Score[] = [
  { label: 'cat', index: 1, score: 0.7 },
  { label: 'dog', index: 0, score: 0.3 },
];
const run = (input: string, extra: Partial<RunToHold['result']> = {}): RunToHold => ({
  input,
  result: { ...extra },
  latencyMs: 2,
});
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('createPendingRuns', () => {
  it('records nothing while runs are held, then everything in run order once they pause', async () => {
    const { pending, hold, recorded } = logged({ idleMs: 4 });
    hold('a', run('one/10', { scores }));
    hold('b', run('two/10', { tokens: { ids: [1], unkId: 0, specialIds: new Set() } }));
    expect(recorded).toEqual([]);
    expect(pending).toMatchObject({ runs: 2, bytes: 20 });
    // Only the top-1 score is kept of a result.
    await expect
      .poll(() => recorded, { interval: 2, timeout: 5000 })
      .toEqual(['a:one:cat:-:2', 'b:two:-:tokens:2']);
    expect(pending).toMatchObject({ runs: 0, bytes: 0 });
  });

  it('waits while holds keep coming and records each held run once', async () => {
    const { hold, recorded } = logged({ maxRuns: 1000, idleMs: 20 });
    // A hold every 2 ms keeps the 20 ms idle timer from finding a pause.
    for (let i = 0; i < 15; i++) {
      hold('a', run(`run${i}/1`));
      await sleep(2);
    }
    expect(recorded.length).toBeLessThan(15);
    await expect.poll(() => recorded.length, { interval: 5, timeout: 5000 }).toBe(15);
    expect(recorded).toEqual(Array.from({ length: 15 }, (_, i) => `a:run${i}:-:-:2`));
  });

  it('records at once when maxRuns runs are held', () => {
    const { pending, hold, recorded } = logged({ maxRuns: 3, idleMs: 10_000 });
    for (const input of ['1', '2', '3', '4']) hold('a', run(input));
    expect(recorded).toEqual(['a:1:-:-:2', 'a:2:-:-:2', 'a:3:-:-:2']);
    expect(pending.runs).toBe(1);
  });

  it('records what is held after a bound once holds pause, the idle timer surviving the bound', async () => {
    const { hold, recorded } = logged({ maxRuns: 2, idleMs: 4 });
    hold('a', run('1'));
    hold('a', run('2'));
    expect(recorded).toEqual(['a:1:-:-:2', 'a:2:-:-:2']);
    hold('a', run('3'));
    await expect.poll(() => recorded, { interval: 2, timeout: 5000 }).toHaveLength(3);
    expect(recorded[2]).toBe('a:3:-:-:2');
  });

  it('never holds more than maxBytes: what is held is recorded before a run that would pass it', () => {
    const { pending, hold, recorded } = logged({ maxRuns: 100, maxBytes: 100, idleMs: 10_000 });
    hold('a', run('1/60'));
    hold('a', run('2/30'));
    expect(recorded).toEqual([]);
    hold('a', run('3/30')); // 120 bytes: 1 and 2 go first
    expect(recorded).toEqual(['a:1:-:-:2', 'a:2:-:-:2']);
    expect(pending).toMatchObject({ runs: 1, bytes: 30 });
    hold('a', run('big/500')); // alone past the bound: recorded right away
    expect(recorded).toEqual(['a:1:-:-:2', 'a:2:-:-:2', 'a:3:-:-:2', 'a:big:-:-:2']);
    expect(pending).toMatchObject({ runs: 0, bytes: 0 });
  });

  it('recordAll() records everything held now; a failing recording is reported, the rest recorded', () => {
    const { pending, hold, recorded, errors } = logged({ idleMs: 10_000 }, (name) => name === 'bad');
    hold('a', run('x/1'));
    hold('a', run('bad/1'));
    hold('b', run('y/1'));
    expect(() => pending.recordAll()).not.toThrow();
    expect(recorded).toEqual(['a:x:-:-:2', 'b:y:-:-:2']);
    expect(errors).toHaveLength(1);
    pending.recordAll();
    expect(recorded).toHaveLength(2);
  });

  it('clear() lets go of what is held without recording it, and the idle timer records nothing after', async () => {
    const { pending, hold, recorded } = logged({ idleMs: 4 });
    hold('a', run('x/1'));
    pending.clear();
    await sleep(20);
    expect(recorded).toEqual([]);
    expect(pending.runs).toBe(0);
  });
});
