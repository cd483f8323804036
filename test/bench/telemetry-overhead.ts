import { startStack, type Stack } from '../e2e/support/stack.ts';
import ensureSdk from '../support/sdk-setup.ts';
import { bootstrapInterval, CYCLE, cycleBlocks, medianOfMedians, type Arm } from './balanced-blocks.ts';
import { mean, median, row, type BenchResult, type BenchRow } from './report.ts';

// SESSIONS times, one fresh SDK client (one worker) with default telemetry, on digits. Then
// CYCLES cycles of 18 blocks (balanced-blocks.ts: the six orders of three arms, arranged so that
// drift over a cycle and what one block leaves the next fall on all three alike), each block
// BLOCK_CALLS sequential run() calls, preceded by the switch of its arm, answered before the
// block is timed: `on` resumes counting (client.resumeTelemetry()), `off` and `control` pause it
// (client.pauseTelemetry(): the run is not counted, and nothing held, cut or queued is lost, so the
// on arm still pays a batch every flushRuns runs it counted). A pause after each cycle lets the
// worker write and send cut batches. The same worker on both sides: two telemetry-off workers
// differed by up to ±15% within one session here (how the OS and Chromium place their threads),
// more than telemetry costs, which swamped the former comparison of separate clients.
const SESSIONS = 12;
const CYCLES = 80;
const BLOCK_CALLS = 15;
const PAUSE_MS = 40;
const WARMUP_CYCLES = 2;
const RESAMPLES = 4000;
const LABEL = 'digits (8×8 CNN)';
const SIDES = ['on', 'off', 'control'] as const;
type SideName = (typeof SIDES)[number];

/**
 * Runs in the page (as source, like runtime.ts's boundary). Installs `window.overhead`:
 * `open(options)` ends the previous client, creates one with `options` and loads digits;
 * `blocks(sides, calls)` runs, for each side of `sides` in turn, its telemetry switch and then one
 * block of `calls` sequential run() calls, timing each call, and each block as one span (its mean
 * per call, in `sides`' order); `telemetry()` reads the client's telemetry status.
 */
const IN_PAGE = `async () => {
  const { createFerryClient } = await import('/sdk/client.js');
  let client;
  let model;
  let call = 0;
  // Inputs vary from call to call (ink 0–16), so the features land in different bins.
  const input = () => ({ pixels: { data: new Float32Array(64).fill(call++ % 17), dims: [1, 1, 8, 8] } });
  window.overhead = {
    async open(options) {
      client?.terminate();
      client = createFerryClient(options);
      model = client.model('digits');
      await model.ready();
    },
    async blocks(sides, calls) {
      const times = { calls: { on: [], off: [], control: [] }, blocks: [] };
      for (const side of sides) {
        // One message before every block, whichever arm: answered before the block starts.
        await (side === 'on' ? client.resumeTelemetry() : client.pauseTelemetry());
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
    telemetry: async () => (await client.status()).telemetry,
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

/** The `n`th of the six orders of the three sides (which plays which arm). */
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

/** Per session, one ratio per cycle. */
interface SessionRatios {
  /** Each cycle's on sum over its off sum, and over its control sum: two ratios per cycle. */
  cycles: number[][];
  /** Each cycle's control sum over its off sum: the floor. */
  cyclesFloor: number[][];
}

async function measure(stack: Stack) {
  const { page } = stack;
  await page.evaluate(`(${IN_PAGE})()`);
  const telemetry = async () => (await page.evaluate('window.overhead.telemetry()')) as TelemetryCost;
  const pause = () => new Promise((resolve) => setTimeout(resolve, PAUSE_MS));
  const blocks = async (sides: readonly SideName[]) =>
    (await page.evaluate(`window.overhead.blocks(${JSON.stringify(sides)}, ${BLOCK_CALLS})`)) as Timed;
  const calls: Record<SideName, number[]> = { on: [], off: [], control: [] };
  const cost: TelemetryCost = { batches: 0, recordingMs: 0, sealingMs: 0 };
  const ratios: SessionRatios = { cycles: [], cyclesFloor: [] };
  for (let session = 0; session < SESSIONS; session++) {
    // The sides take turns at the cycle's arms (the cycle is balanced whichever plays which).
    const armed = orderOf(session);
    const sideOf: Record<Arm, SideName> = { a: armed[0]!, b: armed[1]!, c: armed[2]! };
    await page.evaluate(`window.overhead.open(${JSON.stringify(stack.clientOptions())})`);
    // All arms warm up alike (JIT, caches).
    for (let i = 0; i < WARMUP_CYCLES; i++) await blocks(cycleBlocks(i).map((arm) => sideOf[arm]));
    await pause();
    const before = await telemetry();
    const cycles: number[] = [];
    const floor: number[] = [];
    for (let cycle = 0; cycle < CYCLES; cycle++) {
      const sides = cycleBlocks(cycle).map((arm) => sideOf[arm]);
      const timed = await blocks(sides);
      for (const side of SIDES) calls[side].push(...timed.calls[side]);
      const sum: Record<SideName, number> = { on: 0, off: 0, control: 0 };
      sides.forEach((side, i) => (sum[side] += timed.blocks[i] as number));
      // On against each off arm alone, never against their mean: a mean of two is less often hit
      // by a stall than one sum is, which would bias the ratio below 1.
      cycles.push(sum.on / sum.off, sum.on / sum.control);
      floor.push(sum.control / sum.off);
      await pause();
    }
    const after = await telemetry();
    cost.batches += after.batches - before.batches;
    cost.recordingMs += after.recordingMs - before.recordingMs;
    cost.sealingMs += after.sealingMs - before.sealingMs;
    ratios.cycles.push(cycles);
    ratios.cyclesFloor.push(floor);
  }
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
    row(`${LABEL}: noise floor: one paused arm vs the other, same worker, balanced block cycles`, {
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
    row(`${LABEL}: noise floor: round trip of one paused arm vs the other`, {
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
 * What recording telemetry adds to run(): digits on one client with default telemetry, its runs
 * counted in some blocks and not in others (pauseTelemetry/resumeTelemetry between blocks), in
 * balanced cycles of blocks, over several fresh clients, beside a second paused arm as the noise
 * floor, with the worker's own accounting of the time it spent holding, recording and sealing runs.
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
    const offMedianUs = median([...calls.off, ...calls.control]) * 1000;
    const range = (value: { low: number; high: number }) =>
      `${value.low.toFixed(3)}–${value.high.toFixed(3)}`;
    return {
      name: 'Telemetry overhead (run() with telemetry on vs off)',
      description:
        `Headless Chromium, cross-origin isolated page on another origin than the Ferry server, WASM backend. ` +
        `One SDK client (one worker) with default telemetry: runs held and recorded 64 at a time, a batch cut ` +
        `every 1000 counted runs, written to IndexedDB and sent once runs pause. Three arms take turns in that ` +
        `same worker: on (client.resumeTelemetry() before its block: its runs are counted) and off and control ` +
        `(client.pauseTelemetry() before theirs: runs are not counted; what was held, cut or queued stays, so ` +
        `the on arm still pays recording every 64 and a batch every 1000 runs it counted). Every block starts ` +
        `with its arm's switch, one message answered before the block's first call, whichever arm, so the ` +
        `switch is outside the timing and the same for all. Paused is not quite telemetry: false: the ` +
        `telemetry module's timers (the idle recording timer, 250 ms; the batch window's, 60 s; the write ` +
        `timer after a cut) still run, and fire in whichever block comes, so a little of the on arm's cost ` +
        `can fall on the off arms; the worker-time row counts all of it. ${SESSIONS} sessions, each a fresh ` +
        `client, ${WARMUP_CYCLES} warm-up cycles, then ${CYCLES} cycles of 18 blocks of ${BLOCK_CALLS} ` +
        `sequential run() calls: the six orders of the three arms arranged so that no arm follows itself, each ` +
        `follows each other one equally often and all have the same mean position ` +
        `(test/bench/balanced-blocks.ts), so drift within a cycle and what one block leaves the next fall on all ` +
        `alike; each cycle rotated by one order, so the block after a pause goes to each arm alike; sessions ` +
        `rotate which side plays which arm. ${PAUSE_MS} ms between cycles, in which cut batches are written and ` +
        `sent (a batch waits for 20 ms without a counted run, at most 1 s), as in an app whose runs come in ` +
        `bursts. Goal row: per cycle, the on arm's summed block means over the off arm's, and over the control ` +
        `arm's (two ratios a cycle), the median per session, then the median over sessions, with a two-level ` +
        `bootstrap 95% interval (${RESAMPLES} resamples of sessions and of cycles within them); the floor is ` +
        `control over off the same way (interval ${range(floorInterval)}; on vs off ${range(goalInterval)}). ` +
        `Why one worker: two telemetry-off workers in one page differed by up to ±15% within a session here ` +
        `(how the OS and Chromium place their threads), more than telemetry costs; the former comparison of ` +
        `separate clients (on, off, control, each its own worker, 36 sessions) read 1.037× with a 95% interval ` +
        `of 0.998–1.087 and a floor of 0.940–1.027, which could not decide the goal. Why blocks: the isolated ` +
        `page's clock moves in 5 µs steps, so a per-call median of ${offMedianUs.toFixed(0)} µs moves in steps ` +
        `of ${((5 / offMedianUs) * 100).toFixed(1)}%; a block of ${BLOCK_CALLS} calls timed as one span resolves ${(5 / BLOCK_CALLS).toFixed(2)} µs ` +
        `a call. The per-call rows pool off and control. Per session, goal: ` +
        `${list(ratios.cycles.map((values) => median(values)))}; floor: ` +
        `${list(ratios.cyclesFloor.map((values) => median(values)))}. ${calls.on.length} calls per arm; ` +
        `${cost.batches} batches sealed meanwhile. Worker time per run is the worker's own count ` +
        `(client.status().telemetry recordingMs + sealingMs over the on arm's calls: synchronous work only, ` +
        `IndexedDB and fetch run outside it): ${cost.recordingMs.toFixed(1)} ms holding and recording runs, ` +
        `${cost.sealingMs.toFixed(1)} ms sealing. Held runs are recorded 64 at a time right after the answer of ` +
        `the 64th, so that cost falls on that call of an on block; the worker-time row shows it whole, but not ` +
        `the CPU of waking the worker, which only a thread's own CPU time shows.`,
      baseline: 'the same client and worker with telemetry paused (pauseTelemetry) in the blocks between',
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
