import { startStack, type Stack } from '../e2e/support/stack.ts';
import ensureSdk from '../support/sdk-setup.ts';
import { mean, median, row, type BenchResult, type BenchRow } from './report.ts';

// SESSIONS times, three fresh clients in the page (so fresh workers): `on` (default telemetry),
// `off` and `control` (both `telemetry: false`). Then ROUNDS rounds of BLOCKS block triples:
// BLOCK_CALLS sequential run() calls on each client in turn, the order going through all six
// permutations, then a pause in which the on worker writes and sends its cut batches (it waits
// for 20 ms without a run, see workers/telemetry/telemetry.ts). Two identical telemetry-off
// workers differ by up to ±15% within one session here (how the OS and Chromium place them), more
// than telemetry costs: hence many short sessions, and `control` against `off` to show that floor.
// A session runs more than 1000 calls per client, so the on worker cuts, writes and sends a batch
// (the default flushRuns) in each.
const SESSIONS = 12;
const ROUNDS = 16;
const BLOCKS = 6;
const BLOCK_CALLS = 10;
const PAUSE_MS = 40;
const WARMUP = 200;
const LABEL = 'digits (8×8 CNN)';
const SIDES = ['on', 'off', 'control'] as const;
type SideName = (typeof SIDES)[number];

/**
 * Runs in the page (as source, like runtime.ts's boundary). Installs `window.overhead`:
 * `open(options)` ends the previous clients and creates one SDK client per side with its options
 * (each with its own worker, created in the order given) and loads digits on each;
 * `blocks(orders, calls)` runs one block of `calls` sequential run() calls per side in each order
 * of `orders`, timing each call and each block as one span; `telemetry()` reads the on client's
 * telemetry status.
 */
const IN_PAGE = `async () => {
  const { createFerryClient } = await import('/sdk/client.js');
  let clients = {};
  let models = {};
  let call = 0;
  // Inputs vary from call to call (ink 0–16), so the features land in different bins.
  const input = () => ({ pixels: { data: new Float32Array(64).fill(call++ % 17), dims: [1, 1, 8, 8] } });
  const block = async (side, calls, into) => {
    const first = performance.now();
    for (let i = 0; i < calls; i++) {
      const start = performance.now();
      await models[side].run(input());
      into.calls.push(performance.now() - start);
    }
    into.blocks.push((performance.now() - first) / calls);
  };
  window.overhead = {
    async open(options) {
      for (const client of Object.values(clients)) client.terminate();
      clients = {};
      models = {};
      for (const [side, option] of options) {
        clients[side] = createFerryClient(option);
        models[side] = clients[side].model('digits');
      }
      await Promise.all(Object.values(models).map((model) => model.ready()));
    },
    async blocks(orders, calls) {
      const times = {};
      for (const side of Object.keys(models)) times[side] = { calls: [], blocks: [] };
      for (const order of orders) for (const side of order) await block(side, calls, times[side]);
      return times;
    },
    telemetry: async () => (await clients.on.status()).telemetry,
  };
}`;

/** One side's times: each call's round trip, and each block's mean (timed as one span). */
interface Side {
  calls: number[];
  blocks: number[];
}

type Times = Record<SideName, Side>;

interface TelemetryCost {
  batches: number;
  recordingMs: number;
  sealingMs: number;
}

/** The six orders of the three sides. */
const ORDERS: SideName[][] = [
  ['on', 'off', 'control'],
  ['off', 'control', 'on'],
  ['control', 'on', 'off'],
  ['on', 'control', 'off'],
  ['off', 'on', 'control'],
  ['control', 'off', 'on'],
];

const sorted = (values: readonly number[]) => [...values].sort((a, b) => a - b);
/** The mean of the middle 80%: the slowest and fastest tenth (GC, other work on the machine) left out. */
const trimmedMean = (values: readonly number[]) => {
  const s = sorted(values);
  const cut = Math.floor(s.length / 10);
  return mean(s.slice(cut, s.length - cut));
};
const empty = (): Times => ({
  on: { calls: [], blocks: [] },
  off: { calls: [], blocks: [] },
  control: { calls: [], blocks: [] },
});

/** Per session, the median over its block triples of a block's mean over its baseline's. */
type SessionRatios = Record<'on' | 'control', number[]>;

async function measure(stack: Stack) {
  const { page } = stack;
  await page.evaluate(`(${IN_PAGE})()`);
  const telemetry = async () => (await page.evaluate('window.overhead.telemetry()')) as TelemetryCost;
  const pause = () => new Promise((resolve) => setTimeout(resolve, PAUSE_MS));
  const options: Record<SideName, Record<string, unknown>> = {
    on: stack.clientOptions(),
    off: stack.clientOptions({ telemetry: false }),
    control: stack.clientOptions({ telemetry: false }),
  };
  const times = empty();
  const cost: TelemetryCost = { batches: 0, recordingMs: 0, sealingMs: 0 };
  const sessions: SessionRatios = { on: [], control: [] };
  for (let session = 0; session < SESSIONS; session++) {
    // Workers are created in a different order each session.
    const created = ORDERS[session % ORDERS.length] as SideName[];
    await page.evaluate(
      `window.overhead.open(${JSON.stringify(created.map((side) => [side, options[side]]))})`,
    );
    // All sides warm up alike (JIT, caches).
    await page.evaluate(
      `window.overhead.blocks(${JSON.stringify(Array.from({ length: WARMUP / BLOCK_CALLS }, () => SIDES))}, ${BLOCK_CALLS})`,
    );
    await pause();
    const before = await telemetry();
    const own = empty();
    for (let round = 0; round < ROUNDS; round++) {
      const orders = Array.from({ length: BLOCKS }, (_, i) => ORDERS[(round + i) % ORDERS.length]);
      const timed = (await page.evaluate(
        `window.overhead.blocks(${JSON.stringify(orders)}, ${BLOCK_CALLS})`,
      )) as Times;
      for (const side of SIDES) {
        for (const into of [times, own]) {
          into[side].calls.push(...timed[side].calls);
          into[side].blocks.push(...timed[side].blocks);
        }
      }
      await pause();
    }
    const after = await telemetry();
    cost.batches += after.batches - before.batches;
    cost.recordingMs += after.recordingMs - before.recordingMs;
    cost.sealingMs += after.sealingMs - before.sealingMs;
    // Each block against the telemetry-off blocks of the same triple, so that load that changes
    // over the run (other work on the machine) falls on all alike: on against the mean of off and
    // control (neither is favoured), control against off (the floor: the same client twice).
    const { on, off, control } = own;
    sessions.on.push(
      median(on.blocks.map((b, i) => b / (((off.blocks[i] as number) + (control.blocks[i] as number)) / 2))),
    );
    sessions.control.push(median(control.blocks.map((b, i) => b / (off.blocks[i] as number))));
  }
  const on = times.on.calls;
  const off = [...times.off.calls, ...times.control.calls];
  const rows: BenchRow[] = [
    row(`${LABEL}: run() round trip with telemetry on vs off`, {
      unit: 'ms (median)',
      ferry: median(on),
      baseline: median(off),
      better: 'lower',
    }),
    row(`${LABEL}: noise floor: round trip of one telemetry-off client vs the other`, {
      unit: 'ms (median)',
      ferry: median(times.control.calls),
      baseline: median(times.off.calls),
      better: 'lower',
    }),
    row(`${LABEL}: run() round trip with telemetry on vs off, trimmed mean`, {
      unit: 'ms (10% trimmed mean)',
      ferry: trimmedMean(on),
      baseline: trimmedMean(off),
      better: 'lower',
    }),
    // The mean too: batches are cut every flushRuns runs, which a median alone would hide.
    row(`${LABEL}: run() round trip with telemetry on vs off, mean`, {
      unit: 'ms (mean)',
      ferry: mean(on),
      baseline: mean(off),
      better: 'lower',
    }),
    // Block means carry the stalls that other work on the machine causes (the mean is 4-5 times
    // the median here): they show total time, the per-call rows above the typical call.
    row(`${LABEL}: run() with telemetry on vs off (both off clients), paired blocks (median over sessions)`, {
      unit: `ratio (${SESSIONS} sessions)`,
      ferry: median(sessions.on),
      baseline: 1,
      better: 'lower',
    }),
    row(
      `${LABEL}: noise floor: one telemetry-off client vs the other, paired blocks (median over sessions)`,
      {
        unit: `ratio (${SESSIONS} sessions)`,
        ferry: median(sessions.control),
        baseline: 1,
        better: 'lower',
      },
    ),
    row(`${LABEL}: worker time telemetry spends per run (counting + sealing) vs run() round trip, off`, {
      unit: 'ms per run (mean)',
      ferry: (cost.recordingMs + cost.sealingMs) / on.length,
      baseline: mean(off),
      better: 'lower',
    }),
  ];
  return { calls: on.length, cost, sessions, rows };
}

/**
 * What recording telemetry adds to run(): digits on clients with default telemetry and with
 * `telemetry: false` in one page, in alternating blocks, over many fresh sets of workers, beside
 * a second telemetry-off client as the noise floor, with the on worker's own accounting of the
 * time it spent counting and sealing.
 */
export async function telemetryOverheadBenchmark(): Promise<BenchResult> {
  ensureSdk();
  const stack = await startStack();
  try {
    await stack.publish('models/digits');
    const { calls, cost, sessions, rows } = await measure(stack);
    const list = (values: number[]) => values.map((r) => r.toFixed(3)).join(', ');
    return {
      name: 'Telemetry overhead (run() with telemetry on vs off)',
      description:
        `Headless Chromium, cross-origin isolated page on another origin than the Ferry server, WASM backend. ` +
        `Three SDK clients in one page, each with its own worker: on (default telemetry: a batch cut every ` +
        `1000 runs, written to IndexedDB and sent once runs pause), off and control (both telemetry: false). ` +
        `${SESSIONS} sessions, each with fresh clients (created in a different order) and ${WARMUP} warm-up ` +
        `calls each, then ${ROUNDS} rounds of ${BLOCKS} block triples: ${BLOCK_CALLS} sequential run() calls on ` +
        `each client in turn, in all six orders, so that load from elsewhere on the machine falls on all ` +
        `alike; ${PAUSE_MS} ms between rounds, in which cut batches are written and sent. Paired blocks: each ` +
        `on block's mean over the mean of the off and control blocks of the same triple (control's over off's ` +
        `for the floor), the median per session, then over sessions; the round-trip rows pool off and control ` +
        `(on: ${list(sessions.on)}; control: ${list(sessions.control)}). ${calls} calls per side; ` +
        `${cost.batches} batches sealed meanwhile. Worker time per run is the on worker's own count ` +
        `(client.status().telemetry recordingMs + sealingMs: synchronous work only, IndexedDB and fetch run ` +
        `outside it): ${cost.recordingMs.toFixed(1)} ms counting and ${cost.sealingMs.toFixed(1)} ms sealing.`,
      baseline: 'the same model on a client with telemetry: false, in the same page',
      settings: {
        sessions: SESSIONS,
        rounds: ROUNDS,
        blocks: BLOCKS,
        blockCalls: BLOCK_CALLS,
        pauseMs: PAUSE_MS,
        warmup: WARMUP,
        batches: cost.batches,
        backend: 'wasm',
      },
      rows,
    };
  } finally {
    await stack.close();
  }
}
