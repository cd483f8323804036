import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PlainError } from './support/harness.ts';
import { startStack, type Stack } from './support/stack.ts';

/** A run() result as the page reports it: plain arrays, no latency (it differs per call). */
interface PlainRun {
  outputs?: Record<string, { type: string; dims: number[]; data: number[] }>;
  scores?: { label: string; index: number; score: number }[];
  error?: PlainError;
  /** Whether the input's buffer was detached after the call. */
  detached: boolean;
}

/** What the page saw go to a client's workers: run requests posted, and run slots handed over. */
interface Sent {
  runs: number;
  slots: number;
}

/**
 * Runs in the harness page: SDK clients on digits, each through a `worker` factory that counts
 * the run requests posted to its workers (messages with a numeric `ferryRun`) and the run slots
 * handed to them (`ferryRunSlot`), driven through `window.slot`.
 */
const IN_PAGE = `async () => {
  const sdk = await import('/sdk/client.js');
  const clients = {};
  const plain = (e) => ({ name: e?.name, code: e?.code, message: e?.message });
  const pixels = (seed) => Float32Array.from({ length: 64 }, (_, i) => (seed * 31 + i * 7) % 17);
  async function runOne(model, seed, options) {
    const data = seed === 'bad' ? new Float32Array(3) : pixels(seed);
    const dims = seed === 'bad' ? [1, 3] : [1, 1, 8, 8];
    try {
      const { outputs, scores } = await model.run({ pixels: { data, dims } }, options);
      const plainOutputs = {};
      for (const [name, o] of Object.entries(outputs))
        plainOutputs[name] = { type: o.type, dims: o.dims, data: Array.from(o.data) };
      return { outputs: plainOutputs, scores, detached: data.byteLength === 0 };
    } catch (e) {
      return { error: plain(e), detached: data.byteLength === 0 };
    }
  }
  window.slot = {
    isolated: () => globalThis.crossOriginIsolated,
    async open(key, options) {
      const state = { sent: { runs: 0, slots: 0 }, workers: [] };
      const worker = () => {
        const made = new Worker('/sdk/worker.js', { type: 'module' });
        const post = made.postMessage.bind(made);
        made.postMessage = (message, transfer) => {
          if (typeof message?.ferryRun === 'number') state.sent.runs++;
          if (message?.ferryRunSlot) state.sent.slots++;
          return post(message, transfer);
        };
        state.workers.push(made);
        return made;
      };
      state.client = sdk.createFerryClient({ ...options, worker });
      state.model = state.client.model('digits');
      clients[key] = state;
      try {
        await state.model.ready();
        return null;
      } catch (e) {
        return plain(e);
      }
    },
    async runEach(key, seeds, options) {
      const results = [];
      for (const seed of seeds) results.push(await runOne(clients[key].model, seed, options));
      return results;
    },
    overlapping: (key, seeds) => Promise.all(seeds.map((seed) => runOne(clients[key].model, seed))),
    sent: (key) => ({ ...clients[key].sent }),
    // A run called, then its worker terminated behind the SDK's back in the same task.
    async runAndKill(key) {
      const running = runOne(clients[key].model, 1);
      clients[key].workers.at(-1).terminate();
      return running;
    },
  };
}`;

let stack: Stack;
const call = <R>(method: string, ...args: unknown[]) =>
  stack.page.evaluate(
    ([name, list]) =>
      (window as unknown as { slot: Record<string, (...a: unknown[]) => unknown> }).slot[name]!(...list),
    [method, args] as const,
  ) as Promise<R>;
const runEach = (key: string, seeds: (number | 'bad')[], options?: { transfer: boolean }) =>
  call<PlainRun[]>('runEach', key, seeds, options);
const sent = (key: string) => call<Sent>('sent', key);

beforeAll(async () => {
  stack = await startStack();
  await stack.publish('models/digits');
  await stack.page.evaluate(`(${IN_PAGE})()`);
  expect(await call('open', 'slot', stack.clientOptions({ backend: 'wasm' }))).toBeNull();
  const posting = stack.clientOptions({ backend: 'wasm', testHooks: { runSlot: false } });
  expect(await call('open', 'post', posting)).toBeNull();
});
afterAll(() => stack?.close());

const SEEDS = [1, 2, 3, 4, 5, 6];

describe('run() through the shared slot of a cross-origin isolated page', () => {
  it('gives the results and detaches the inputs as postMessage runs do, and posts no run request', async () => {
    expect(await call('isolated'), 'the harness page is cross-origin isolated').toBe(true);
    const slotted = await runEach('slot', SEEDS);
    const posted = await runEach('post', SEEDS);
    expect(slotted[0]?.scores, 'digits scores ten labels').toHaveLength(10);
    expect(slotted).toEqual(posted);
    expect(slotted.every((run) => run.detached)).toBe(true);
    expect(await sent('slot'), 'one slot handed over, no run posted').toEqual({ runs: 0, slots: 1 });
    expect(await sent('post'), 'testHooks.runSlot false: every run posted').toEqual({ runs: 6, slots: 0 });
    const kept = await runEach('slot', [7], { transfer: false });
    expect(kept[0]?.detached, 'transfer: false keeps the input').toBe(false);
    expect(kept).toEqual(await runEach('post', [7], { transfer: false }));
  });

  it('posts the runs called while the slot is busy, and every overlapping call gets its own result', async () => {
    const before = await sent('slot');
    const overlapping = await call<PlainRun[]>('overlapping', 'slot', SEEDS);
    expect(overlapping).toEqual(await runEach('post', SEEDS));
    // The first call takes the slot; the others are posted while it is busy. How many find it
    // busy depends on the scheduler (a page thread descheduled between a call's notify and its
    // waitAsync finds the answer there at once, and frees the slot for the next call):
    // run-channel.test.ts pins which calls are posted.
    const after = await sent('slot');
    expect(after.slots).toBe(1);
    expect(after.runs - before.runs).toBeGreaterThanOrEqual(1);
    expect(after.runs - before.runs).toBeLessThanOrEqual(5);
  });

  it('rejects a bad input with the error a posted run gets, and the slot serves the next run', async () => {
    const before = await sent('slot');
    const [slotted] = await runEach('slot', ['bad']);
    const [posted] = await runEach('post', ['bad']);
    expect(slotted?.error).toMatchObject({ name: 'FerryError', code: 'INVALID_INPUT' });
    expect(slotted?.error).toEqual(posted?.error);
    expect(await runEach('slot', [1])).toEqual(await runEach('post', [1]));
    expect(await sent('slot')).toEqual(before);
  });

  it('settles a slot run whose worker dies under it, and runs through a new slot in the next worker', async () => {
    const killed = await call<PlainRun>('runAndKill', 'slot');
    // Answered before the kill landed, or rejected: never left pending.
    if (killed.error) expect(killed.error).toMatchObject({ code: 'WORKER_CRASHED' });
    else expect(killed.scores).toHaveLength(10);
    expect(await runEach('slot', [2])).toEqual(await runEach('post', [2]));
    expect((await sent('slot')).slots, 'the new worker got a slot of its own').toBe(2);
  });

  it('refuses a testHooks.runSlot that is not a boolean, naming it', async () => {
    const error = await call<PlainError | null>(
      'open',
      'bad',
      stack.clientOptions({ testHooks: { runSlot: 'no' } }),
    );
    expect(error).toMatchObject({ code: 'INVALID_INPUT', message: expect.stringContaining('runSlot') });
  });
});
