import { startStack, type Stack } from '../e2e/support/stack.ts';
import ensureSdk from '../support/sdk-setup.ts';
import { bootstrapInterval, CYCLE, cycleBlocks, medianOfMedians, type Arm } from './balanced-blocks.ts';
import { mean, median, row, type BenchResult, type BenchRow } from './report.ts';

// SESSIONS times, three fresh clients in the page (so fresh workers): `on` (default telemetry),
// `off` and `control` (both `telemetry: false`). Then CYCLES cycles of 18 blocks (balanced-blocks.ts:
// the six orders of the three clients, arranged so that drift over a cycle and what one worker
// leaves the next fall on all three alike), each block BLOCK_CALLS sequential run() calls on one
// client, then a pause in which the on worker writes and sends cut batches (it records held runs
// 64 at a time, right after the answer of the 64th: see workers/telemetry/telemetry.ts). Two identical telemetry-off workers differ by up
// to ±15% within one session here (how the OS and Chromium place them), more than telemetry
// costs: hence many short sessions, and `control` against `off` to show that floor. A session
// runs more than 1000 calls per client, so the on worker cuts, writes and sends a batch (the
// default flushRuns) in each.
const SESSIONS = 36;
const CYCLES = 12;
const BLOCK_CALLS = 15;
const PAUSE_MS = 40;
const WARMUP_CYCLES = 2;
const RESAMPLES = 4000;
const LABEL = 'digits (8×8 CNN)';
const SIDES = ['on', 'off', 'control'] as const;
type SideName = (typeof SIDES)[number];

/**
 * Runs in the page (as source, like runtime.ts's boundary). Installs `window.overhead`:
 * `open(options)` ends the previous clients and creates one SDK client per side with its options
 * (each with its own worker, created in the order given) and loads digits on each;
 * `blocks(sides, calls)` runs one block of `calls` sequential run() calls on each side of `sides`
 * in turn, timing each call, and each block as one span (its mean per call, in `sides`' order);
 * `telemetry()` reads the on client's telemetry status.
 */
const IN_PAGE = `async () => {
  const { createFerryClient } = await import('/sdk/client.js');
  let clients = {};
  let models = {};
  let call = 0;
  // Inputs vary from call to call (ink 0–16), so the features land in different bins.
  const input = () => ({ pixels: { data: new Float32Array(64).fill(call++ % 17), dims: [1, 1, 8, 8] } });
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
    async blocks(sides, calls) {
      const times = { calls: {}, blocks: [] };
      for (const side of Object.keys(models)) times.calls[side] = [];
      for (const side of sides) {
        const model = models[side];
        const into = times.calls[side];
        const first = performance.now();
        for (let i = 0; i < calls; i++) {
          const start = performance.now();
          await model.run(input());
          into.push(performance.now() - start);
        }
        times.blocks.push((performance.now() - first) / calls);
      }
      return times;
    },
    telemetry: async () => (await clients.on.status()).telemetry,
  };
}`;

/** What one `blocks` call timed: each side's call round trips, and each block's mean per call. */
interface Timed {
  calls: Record<SideName, number[]>;
  blocks: number[];
}

interface TelemetryCost {
  batches: number;
  recordingMs: number;
  sealingMs: number;
}

/** The `n`th of the six orders of the three sides (which is created first, which plays which arm). */
const SIDE_OF_ARM: Record<Arm, SideName> = { a: 'on', b: 'off', c: 'control' };
const orderOf = (n: number): SideName[] =>
  (CYCLE[n % CYCLE.length] as readonly Arm[]).map((arm) => SIDE_OF_ARM[arm]);

const sorted = (values: readonly number[]) => [...values].sort((a, b) => a - b);
/** The mean of the middle 80%: the slowest and fastest tenth (GC, other work on the machine) left out. */
const trimmedMean = (values: readonly number[]) => {
  const s = sorted(values);
  const cut = Math.floor(s.length / 10);
  return mean(s.slice(cut, s.length - cut));
};

/** Per session, one ratio per cycle (or per block triple, for the former statistic). */
interface SessionRatios {
  /** Each cycle's on sum over its off sum, and over its control sum: two ratios per cycle. */
  cycles: number[][];
  /** Each cycle's control sum over its off sum: the floor. */
  cyclesFloor: number[][];
  /** The former statistic: each on block over the mean of the off and control blocks of its triple. */
  triples: number[];
  triplesFloor: number[];
}

async function measure(stack: Stack) {
  const { page } = stack;
  await page.evaluate(`(${IN_PAGE})()`);
  const telemetry = async () => (await page.evaluate('window.overhead.telemetry()')) as TelemetryCost;
  const pause = () => new Promise((resolve) => setTimeout(resolve, PAUSE_MS));
  const blocks = async (sides: readonly SideName[]) =>
    (await page.evaluate(`window.overhead.blocks(${JSON.stringify(sides)}, ${BLOCK_CALLS})`)) as Timed;
  const options: Record<SideName, Record<string, unknown>> = {
    on: stack.clientOptions(),
    off: stack.clientOptions({ telemetry: false }),
    control: stack.clientOptions({ telemetry: false }),
  };
  const calls: Record<SideName, number[]> = { on: [], off: [], control: [] };
  const cost: TelemetryCost = { batches: 0, recordingMs: 0, sealingMs: 0 };
  const ratios: SessionRatios = { cycles: [], cyclesFloor: [], triples: [], triplesFloor: [] };
  const triples: number[][] = [];
  const triplesFloor: number[][] = [];
  for (let session = 0; session < SESSIONS; session++) {
    // Workers are created in a different order each session, and the sides take turns at the
    // cycle's arms (the cycle is balanced whichever plays which).
    const created = orderOf(session);
    const armed = orderOf(session + 3);
    const sideOf: Record<Arm, SideName> = { a: armed[0]!, b: armed[1]!, c: armed[2]! };
    await page.evaluate(
      `window.overhead.open(${JSON.stringify(created.map((side) => [side, options[side]]))})`,
    );
    // All sides warm up alike (JIT, caches).
    for (let i = 0; i < WARMUP_CYCLES; i++) await blocks(cycleBlocks(i).map((arm) => sideOf[arm]));
    await pause();
    const before = await telemetry();
    const cycles: number[] = [];
    const floor: number[] = [];
    const ownTriples: number[] = [];
    const ownTriplesFloor: number[] = [];
    for (let cycle = 0; cycle < CYCLES; cycle++) {
      const sides = cycleBlocks(cycle).map((arm) => sideOf[arm]);
      const timed = await blocks(sides);
      for (const side of SIDES) calls[side].push(...timed.calls[side]);
      const sum: Record<SideName, number> = { on: 0, off: 0, control: 0 };
      sides.forEach((side, i) => (sum[side] += timed.blocks[i] as number));
      // On against each telemetry-off client alone, never against their mean: a mean of two is
      // less often hit by a stall than one sum is, which biases on/mean(off, control) below 1
      // (the former statistic below shows it).
      cycles.push(sum.on / sum.off, sum.on / sum.control);
      floor.push(sum.control / sum.off);
      for (let t = 0; t < sides.length; t += 3) {
        const triple: Partial<Record<SideName, number>> = {};
        for (let k = t; k < t + 3; k++) triple[sides[k]!] = timed.blocks[k];
        ownTriples.push(triple.on! / ((triple.off! + triple.control!) / 2));
        ownTriplesFloor.push(triple.control! / triple.off!);
      }
      await pause();
    }
    const after = await telemetry();
    cost.batches += after.batches - before.batches;
    cost.recordingMs += after.recordingMs - before.recordingMs;
    cost.sealingMs += after.sealingMs - before.sealingMs;
    ratios.cycles.push(cycles);
    ratios.cyclesFloor.push(floor);
    triples.push(ownTriples);
    triplesFloor.push(ownTriplesFloor);
  }
  ratios.triples = triples.map((values) => median(values));
  ratios.triplesFloor = triplesFloor.map((values) => median(values));
  return { calls, cost, ratios };
}

function rowsOf({ calls, cost, ratios }: Awaited<ReturnType<typeof measure>>) {
  const on = calls.on;
  const off = [...calls.off, ...calls.control];
  const goal = medianOfMedians(ratios.cycles);
  const floor = medianOfMedians(ratios.cyclesFloor);
  const goalInterval = bootstrapInterval(ratios.cycles, { resamples: RESAMPLES, seed: 8 });
  const floorInterval = bootstrapInterval(ratios.cyclesFloor, { resamples: RESAMPLES, seed: 8 });
  const unit = `ratio (${SESSIONS} sessions × ${CYCLES} cycles)`;
  const interval = (name: string, value: { low: number; high: number }) => [
    row(`${LABEL}: ${name}, bootstrap 95% interval, low`, {
      unit,
      ferry: value.low,
      baseline: 1,
      better: 'lower',
    }),
    row(`${LABEL}: ${name}, bootstrap 95% interval, high`, {
      unit,
      ferry: value.high,
      baseline: 1,
      better: 'lower',
    }),
  ];
  const rows: BenchRow[] = [
    row(`${LABEL}: run() with telemetry on vs off, balanced block cycles (goal row)`, {
      unit,
      ferry: goal,
      baseline: 1,
      better: 'lower',
    }),
    ...interval('on vs off, balanced block cycles', goalInterval),
    row(`${LABEL}: noise floor: one telemetry-off client vs the other, balanced block cycles`, {
      unit,
      ferry: floor,
      baseline: 1,
      better: 'lower',
    }),
    ...interval('noise floor, balanced block cycles', floorInterval),
    row(`${LABEL}: run() round trip with telemetry on vs off`, {
      unit: 'ms (median)',
      ferry: median(on),
      baseline: median(off),
      better: 'lower',
    }),
    row(`${LABEL}: noise floor: round trip of one telemetry-off client vs the other`, {
      unit: 'ms (median)',
      ferry: median(calls.control),
      baseline: median(calls.off),
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
    row(
      `${LABEL}: former statistic: on block vs mean of the off and control blocks of its triple (median over sessions; biased low)`,
      { unit: `ratio (${SESSIONS} sessions)`, ferry: median(ratios.triples), baseline: 1, better: 'lower' },
    ),
    row(
      `${LABEL}: former statistic's noise floor: control block vs off block of the same triple (median over sessions)`,
      {
        unit: `ratio (${SESSIONS} sessions)`,
        ferry: median(ratios.triplesFloor),
        baseline: 1,
        better: 'lower',
      },
    ),
    row(
      `${LABEL}: worker time telemetry spends per run (holding, recording, sealing) vs run() round trip, off`,
      {
        unit: 'ms per run (mean)',
        ferry: (cost.recordingMs + cost.sealingMs) / on.length,
        baseline: mean(off),
        better: 'lower',
      },
    ),
  ];
  return { rows, goalInterval, floorInterval };
}

/**
 * What recording telemetry adds to run(): digits on clients with default telemetry and with
 * `telemetry: false` in one page, in balanced cycles of blocks, over many fresh sets of workers,
 * beside a second telemetry-off client as the noise floor, with the on worker's own accounting of
 * the time it spent holding, recording and sealing runs.
 */
export async function telemetryOverheadBenchmark(): Promise<BenchResult> {
  ensureSdk();
  const stack = await startStack();
  try {
    await stack.publish('models/digits');
    const measured = await measure(stack);
    const { calls, cost, ratios } = measured;
    const { rows, goalInterval, floorInterval } = rowsOf(measured);
    const list = (values: number[]) => values.map((r) => r.toFixed(3)).join(', ');
    const range = (value: { low: number; high: number }) =>
      `${value.low.toFixed(3)}–${value.high.toFixed(3)}`;
    return {
      name: 'Telemetry overhead (run() with telemetry on vs off)',
      description:
        `Headless Chromium, cross-origin isolated page on another origin than the Ferry server, WASM backend. ` +
        `Three SDK clients in one page, each with its own worker: on (default telemetry: runs held and recorded ` +
        `64 at a time, a batch cut every 1000 runs, written to IndexedDB and sent once runs pause), off and ` +
        `control (both telemetry: false). ${SESSIONS} sessions, each with fresh clients (created in a different ` +
        `order), ${WARMUP_CYCLES} warm-up cycles, then ${CYCLES} cycles of 18 blocks of ${BLOCK_CALLS} sequential ` +
        `run() calls on one client: the six orders of the three clients arranged so that no client follows ` +
        `itself, each follows each other one equally often and all have the same mean position ` +
        `(test/bench/balanced-blocks.ts), so drift within a cycle and what one worker leaves the next fall on all ` +
        `alike; each cycle rotated by one order, so the block after a pause goes to each client alike; ` +
        `${PAUSE_MS} ms between cycles, in which held runs are recorded and cut batches written and sent. ` +
        `Goal row: per cycle, the on client's summed block means over the off client's, and over the control ` +
        `client's (two ratios a cycle), the median per session, then the median over sessions, with a ` +
        `two-level bootstrap 95% interval (${RESAMPLES} resamples of sessions and of cycles within them); the ` +
        `floor is control over off the same way (interval ${range(floorInterval)}; on vs off ${range(goalInterval)}). ` +
        `Why not the per-call median: the isolated page's clock moves in 5 µs steps, so a per-call median of ` +
        `~110 µs can only read 1.00, 1.045 or 1.09 apart; a block of ${BLOCK_CALLS} calls timed as one span ` +
        `resolves ${(5 / BLOCK_CALLS).toFixed(2)} µs a call, a cycle's ${6 * BLOCK_CALLS} calls per client ` +
        `${(5 / 6 / BLOCK_CALLS).toFixed(2)} µs. Why not the former paired-block statistic ` +
        `(kept as a row): it set each on block over the mean of the off and control blocks of its triple, and ` +
        `a mean of two blocks catches a stall from elsewhere on the machine about twice as often as one block, ` +
        `so it read below 1 (0.95 on a quiet machine while the on worker counted 7.7 µs a run of its own). The per-call rows pool off and ` +
        `control. Per session, goal: ${list(ratios.cycles.map((values) => median(values)))}; floor: ` +
        `${list(ratios.cyclesFloor.map((values) => median(values)))}. ${calls.on.length} calls per client; ` +
        `${cost.batches} batches sealed meanwhile. Worker time per run is the on worker's own count ` +
        `(client.status().telemetry recordingMs + sealingMs: synchronous work only, IndexedDB and fetch run ` +
        `outside it): ${cost.recordingMs.toFixed(1)} ms holding and recording runs, ${cost.sealingMs.toFixed(1)} ms ` +
        `sealing. Held runs are recorded 64 at a time right after the answer of the 64th (a timer that woke the ` +
        `idle worker to record them cost more CPU than the recording), so that cost falls on that call of the on ` +
        `client's block; the worker-time row shows it whole, but not the CPU of waking the worker, which only a ` +
        `thread's own CPU time shows.`,
      baseline: 'the same model on a client with telemetry: false, in the same page',
      settings: {
        sessions: SESSIONS,
        cycles: CYCLES,
        blocksPerCycle: 18,
        blockCalls: BLOCK_CALLS,
        pauseMs: PAUSE_MS,
        warmupCycles: WARMUP_CYCLES,
        resamples: RESAMPLES,
        batches: cost.batches,
        backend: 'wasm',
      },
      rows,
    };
  } finally {
    await stack.close();
  }
}
