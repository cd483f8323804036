import { startStack, type Stack } from '../e2e/support/stack.ts';
import ensureSdk from '../support/sdk-setup.ts';
import { row, type BenchResult, type BenchRow } from './report.ts';

// SESSIONS times, a fresh pair of clients (so fresh workers: how the OS and Chromium place two
// workers differs from pair to pair by more than telemetry costs, as same-pair runs showed), then
// ROUNDS rounds of BLOCKS block pairs: BLOCK_CALLS calls on one client, then as many on the other
// (which goes first alternates from block to block and round to round), then a pause that lets the
// telemetry-on worker write its cut batches (it waits for 20 ms without a run, see
// workers/telemetry/telemetry.ts).
const SESSIONS = 4;
const ROUNDS = 25;
const BLOCKS = 5;
const BLOCK_CALLS = 10;
const PAUSE_MS = 40;
const WARMUP = 300;
const LABEL = 'digits (8×8 CNN)';

/**
 * Runs in the page (as source, like runtime.ts's boundary). Installs `window.overhead`: `open(on,
 * off, onFirst)` ends the previous pair and creates two SDK clients in this page, `on` with the
 * default telemetry and `off` with `telemetry: false`, each with its own worker, and loads digits
 * on both; `blocks(n, calls, onFirst)` times `n` block pairs of sequential run() calls (each call
 * and each block as one span); `telemetry()` reads the on client's telemetry status.
 */
const IN_PAGE = `async () => {
  const { createFerryClient } = await import('/sdk/client.js');
  let clients = {};
  let models = {};
  let call = 0;
  // Inputs vary from call to call (ink 0–16), so the features land in different bins.
  const input = (dims) => ({ pixels: { data: new Float32Array(64).fill(call++ % 17), dims } });
  const block = async (side, calls, into) => {
    const first = performance.now();
    for (let i = 0; i < calls; i++) {
      const start = performance.now();
      await models[side].run(input([1, 1, 8, 8]));
      into.calls.push(performance.now() - start);
    }
    into.blocks.push((performance.now() - first) / calls);
  };
  window.overhead = {
    async open(on, off, onFirst) {
      for (const client of Object.values(clients)) client.terminate();
      clients = {};
      for (const [side, options] of onFirst ? [['on', on], ['off', off]] : [['off', off], ['on', on]])
        clients[side] = createFerryClient(options);
      models = { on: clients.on.model('digits'), off: clients.off.model('digits') };
      await Promise.all([models.on.ready(), models.off.ready()]);
    },
    async blocks(n, calls, onFirst) {
      const times = { on: { calls: [], blocks: [] }, off: { calls: [], blocks: [] } };
      for (let i = 0; i < n; i++) {
        const order = (i % 2 === 0) === onFirst ? ['on', 'off'] : ['off', 'on'];
        for (const side of order) await block(side, calls, times[side]);
      }
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

interface Times {
  on: Side;
  off: Side;
}

interface TelemetryCost {
  batches: number;
  recordingMs: number;
  sealingMs: number;
}

const sorted = (values: readonly number[]) => [...values].sort((a, b) => a - b);
const median = (values: readonly number[]) => {
  const s = sorted(values);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};
const mean = (values: readonly number[]) => values.reduce((a, b) => a + b, 0) / values.length;
/** The mean of the middle 80%: the slowest and fastest tenth (GC, other work on the machine) left out. */
const trimmedMean = (values: readonly number[]) => {
  const s = sorted(values);
  const cut = Math.floor(s.length / 10);
  return mean(s.slice(cut, s.length - cut));
};

async function measure(
  stack: Stack,
): Promise<{ times: Times; cost: TelemetryCost; sessionRatios: number[]; rows: BenchRow[] }> {
  const { page } = stack;
  await page.evaluate(`(${IN_PAGE})()`);
  const telemetry = async () => (await page.evaluate('window.overhead.telemetry()')) as TelemetryCost;
  const pause = () => new Promise((resolve) => setTimeout(resolve, PAUSE_MS));
  const options = JSON.stringify([stack.clientOptions(), stack.clientOptions({ telemetry: false })]);
  const times: Times = { on: { calls: [], blocks: [] }, off: { calls: [], blocks: [] } };
  const cost: TelemetryCost = { batches: 0, recordingMs: 0, sealingMs: 0 };
  const sessionRatios: number[] = [];
  for (let session = 0; session < SESSIONS; session++) {
    await page.evaluate(`window.overhead.open(...${options}, ${session % 2 === 0})`);
    // Both sides warm up alike (JIT, caches) over more runs than a batch holds.
    await page.evaluate(`window.overhead.blocks(${WARMUP / BLOCK_CALLS}, ${BLOCK_CALLS}, true)`);
    await pause();
    const before = await telemetry();
    const pairs: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const timed = (await page.evaluate(
        `window.overhead.blocks(${BLOCKS}, ${BLOCK_CALLS}, ${round % 2 === 0})`,
      )) as Times;
      for (const side of ['on', 'off'] as const) {
        times[side].calls.push(...timed[side].calls);
        times[side].blocks.push(...timed[side].blocks);
      }
      pairs.push(...timed.on.blocks.map((block, i) => block / (timed.off.blocks[i] as number)));
      await pause();
    }
    const after = await telemetry();
    cost.batches += after.batches - before.batches;
    cost.recordingMs += after.recordingMs - before.recordingMs;
    cost.sealingMs += after.sealingMs - before.sealingMs;
    sessionRatios.push(median(pairs));
  }
  const on = times.on.calls;
  const off = times.off.calls;
  // Each on block against the off block run right before or after it: load that changes over the
  // run (other work on the machine) cancels out within a pair.
  const pairs = times.on.blocks.map((block, i) => block / (times.off.blocks[i] as number));
  const rows = [
    row(`${LABEL}: run() round trip with telemetry on vs off`, {
      unit: 'ms (median)',
      ferry: median(on),
      baseline: median(off),
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
    row(`${LABEL}: run() with telemetry on vs off, paired blocks (median of on block / adjacent off block)`, {
      unit: `ratio (${pairs.length} pairs)`,
      ferry: median(pairs),
      baseline: 1,
      better: 'lower',
    }),
    row(`${LABEL}: worker time telemetry spends per run (counting + sealing) vs run() round trip, off`, {
      unit: 'ms per run (mean)',
      ferry: (cost.recordingMs + cost.sealingMs) / on.length,
      baseline: mean(off),
      better: 'lower',
    }),
  ];
  return { times, cost, sessionRatios, rows };
}

/**
 * What recording telemetry adds to run(): digits on two clients in one page, default telemetry
 * against `telemetry: false`, in alternating blocks, with the on worker's own accounting of the
 * time it spent counting and sealing.
 */
export async function telemetryOverheadBenchmark(): Promise<BenchResult> {
  ensureSdk();
  const stack = await startStack();
  try {
    await stack.publish('models/digits');
    const { times, cost, sessionRatios, rows } = await measure(stack);
    return {
      name: 'Telemetry overhead (run() with telemetry on vs off)',
      description:
        `Headless Chromium, cross-origin isolated page on another origin than the Ferry server, WASM backend. ` +
        `Two SDK clients in one page, each with its own worker: default telemetry (a batch cut every 100 runs, ` +
        `written to IndexedDB and sent once runs pause) and telemetry: false. ${SESSIONS} sessions, each with a ` +
        `fresh pair of clients (created in alternating order) and ${WARMUP} warm-up calls each, then ${ROUNDS} ` +
        `rounds of ${BLOCKS} block pairs: ${BLOCK_CALLS} sequential run() calls on one client, then ` +
        `${BLOCK_CALLS} on the other, which goes first alternating from block to block and round to round, so ` +
        `that load from elsewhere on the machine falls on both alike; ${PAUSE_MS} ms between rounds, in which ` +
        `the batches cut during a round are written and sent. ${times.on.calls.length} calls per side; ` +
        `${cost.batches} batches sealed meanwhile. Paired blocks per session (median on/off): ` +
        `${sessionRatios.map((r) => r.toFixed(3)).join(', ')}. Worker time per run is the on worker's own ` +
        `count (client.status().telemetry recordingMs + sealingMs: synchronous work only, IndexedDB and fetch ` +
        `run outside it): ${cost.recordingMs.toFixed(1)} ms counting and ${cost.sealingMs.toFixed(1)} ms sealing.`,
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
