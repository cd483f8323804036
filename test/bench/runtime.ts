import type { Page } from 'playwright-core';
import { startStack, type Stack } from '../e2e/support/stack.ts';
import type { HarnessInput } from '../e2e/support/harness.ts';
import ensureSdk from '../support/sdk-setup.ts';
import { row, type BenchResult, type BenchRow } from './report.ts';

const ITERATIONS = 30;
// digits' boundary: rounds of this many calls each of run(), the bare echo and session.run, in
// alternating order, after WARMUP_CALLS of each.
const BOUNDARY_ROUNDS = 10;
const ROUND_CALLS = 100;
const WARMUP_CALLS = 100;
const WARMUP = 3;
const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

const MODELS: { name: string; label: string; input: HarnessInput }[] = [
  {
    name: 'digits',
    label: 'digits (8×8 CNN)',
    input: { kind: 'filled', name: 'pixels', dims: [1, 1, 8, 8], value: 4 },
  },
  {
    name: 'paddleocr-det',
    label: 'paddleocr-det (320×320 input, 1.2 MB in, 0.4 MB out)',
    input: { kind: 'filled', name: 'x', dims: [1, 3, 320, 320], value: 0.5 },
  },
];

/** Chrome's TaskDuration for `page` (all its main-thread tasks, in ms) spent while `work` runs. */
async function taskMs(stack: Stack, page: Page, work: () => Promise<unknown>): Promise<number> {
  const cdp = await stack.context.newCDPSession(page);
  await cdp.send('Performance.enable');
  const taskSeconds = async () =>
    (await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'TaskDuration')?.value ?? NaN;
  const before = await taskSeconds();
  await work();
  const after = await taskSeconds();
  await cdp.detach();
  return (after - before) * 1000;
}

/**
 * Runs in the page (as source: tsx would wrap a compiled function's inner names in a helper the
 * page lacks). Installs `window.boundary` with three loops of `n` calls on digits' shapes: `runs`
 * (Ferry's run(), its own client and worker), `echo` (a bare module worker from a Blob, so it has
 * the page's origin and isolation, answering a transferred Float32Array(64) with a
 * Float32Array(10)) and `inference` (session.run inside Ferry's worker). `runs` and `echo` time
 * each call the same way: `roundTrip`, from the call to its answer; `mainThread`, from the start
 * of the answer's dispatch on the page (a listener added to the Worker before any other, so it runs
 * first) until the next call has returned, i.e. the answer's handling, the loop and the next
 * request, everything but what Chrome does before it dispatches a message.
 */
const BOUNDARY_IN_PAGE = `async ([options, inLength, outLength, dims]) => {
  const { createFerryClient } = await import('/sdk/client.js');
  // Listeners run in the order they were added: these come first, before the SDK's and the echo's.
  const dispatched = new Map();
  const stamped = (worker) => {
    worker.addEventListener('message', () => dispatched.set(worker, performance.now()));
    return worker;
  };
  let ferryWorker;
  const client = createFerryClient({ ...options,
    worker: () => (ferryWorker = stamped(new Worker('/sdk/worker.js', { type: 'module', name: 'ferry' }))) });
  const model = client.model('digits');
  await model.ready();
  const source = 'self.onmessage = (e) => { const out = new Float32Array(' + outLength + ');' +
    ' out[0] = e.data.input[0]; self.postMessage({ output: out }, [out.buffer]); };';
  const url = URL.createObjectURL(new Blob([source], { type: 'text/javascript' }));
  const echoWorker = stamped(new Worker(url, { type: 'module' }));
  const echo = () => new Promise((resolve) => {
    echoWorker.onmessage = resolve;
    const input = new Float32Array(inLength).fill(4);
    echoWorker.postMessage({ input }, [input.buffer]);
  });
  const run = () => model.run({ pixels: { data: new Float32Array(inLength).fill(4), dims } });
  const timed = (worker, call) => async (n) => {
    const roundTrip = [], mainThread = [];
    for (let i = 0; i < n; i++) {
      const start = performance.now();
      const answer = call();
      if (i > 0) mainThread.push(performance.now() - dispatched.get(worker));
      await answer;
      roundTrip.push(performance.now() - start);
    }
    return { roundTrip, mainThread };
  };
  window.boundary = {
    runs: timed(ferryWorker, run),
    echo: timed(echoWorker, echo),
    inference: (n) => model.measure({ pixels: { data: new Float32Array(inLength).fill(4), dims } }, n),
  };
}`;

interface Timed {
  roundTrip: number[];
  mainThread: number[];
}

/**
 * digits' run() against a bare postMessage echo of its shapes (64 floats in, 10 out) and against
 * session.run, in the same page, alternating rounds so that the machine's load hits all alike.
 */
async function boundary(stack: Stack): Promise<BenchRow[]> {
  const { page } = stack;
  await page.evaluate(
    `(${BOUNDARY_IN_PAGE})(${JSON.stringify([stack.clientOptions(), 64, 10, [1, 1, 8, 8]])})`,
  );
  const all = {
    runs: { roundTrip: [], mainThread: [] } as Timed,
    echo: { roundTrip: [], mainThread: [] } as Timed,
  };
  const tasks = { runs: 0, echo: 0 };
  const inference: number[] = [];
  for (const side of ['runs', 'echo'] as const)
    await page.evaluate(`window.boundary.${side}(${WARMUP_CALLS})`);
  for (let round = 0; round < BOUNDARY_ROUNDS; round++) {
    for (const side of round % 2 === 0 ? (['runs', 'echo'] as const) : (['echo', 'runs'] as const)) {
      let timed: Timed = { roundTrip: [], mainThread: [] };
      tasks[side] += await taskMs(stack, page, async () => {
        timed = (await page.evaluate(`window.boundary.${side}(${ROUND_CALLS})`)) as Timed;
      });
      all[side].roundTrip.push(...timed.roundTrip);
      all[side].mainThread.push(...timed.mainThread);
    }
    inference.push(...((await page.evaluate(`window.boundary.inference(${ROUND_CALLS})`)) as number[]));
  }
  const calls = BOUNDARY_ROUNDS * ROUND_CALLS;
  const label = 'digits (8×8 CNN)';
  return [
    row(`${label}: time run() adds over session.run vs a bare postMessage echo of its shapes`, {
      unit: 'ms (median)',
      ferry: median(all.runs.roundTrip) - median(inference),
      baseline: median(all.echo.roundTrip),
      better: 'lower',
    }),
    row(`${label}: main-thread time per run() vs per bare echo (answer dispatched → next call returned)`, {
      unit: 'ms (median)',
      ferry: median(all.runs.mainThread),
      baseline: median(all.echo.mainThread),
      better: 'lower',
    }),
    row(`${label}: main-thread task time per run() vs per bare echo (Chrome's TaskDuration)`, {
      unit: 'ms per call',
      ferry: tasks.runs / calls,
      baseline: tasks.echo / calls,
      better: 'lower',
    }),
    row(`${label}: run() round trip vs session.run in the worker`, {
      unit: 'ms (median)',
      ferry: median(all.runs.roundTrip),
      baseline: median(inference),
      better: 'lower',
    }),
  ];
}

/** paddleocr-det's run() round trip against session.run, and its main-thread task time. */
async function roundTrips(stack: Stack): Promise<BenchRow[]> {
  await stack.h.open('bench', stack.clientOptions());
  const model = MODELS[1] as (typeof MODELS)[number];
  await stack.h.load('bench', model.name);
  await stack.h.measure(model.name, model.input, WARMUP);
  let measured = { roundTripMs: [0], workerMs: [0] };
  const busy = await taskMs(stack, stack.page, async () => {
    measured = await stack.h.measure(model.name, model.input, ITERATIONS);
  });
  const inference = median(measured.workerMs);
  return [
    row(`${model.label}: run() round trip vs session.run in the worker`, {
      unit: 'ms (median)',
      ferry: median(measured.roundTripMs),
      baseline: inference,
      better: 'lower',
    }),
    row(
      `${model.label}: main-thread task time per run() (Chrome's TaskDuration) vs running inference on it`,
      {
        unit: 'ms per call',
        ferry: busy / ITERATIONS,
        baseline: inference,
        better: 'lower',
      },
    ),
  ];
}

async function firstInference(stack: Stack) {
  const model = MODELS[1] as (typeof MODELS)[number];
  const ferryBytes = () => stack.proxy.requests.reduce((sum, r) => sum + r.bytes, 0);
  const measure = async () => {
    const [ferry, site] = [ferryBytes(), stack.site.bytesSent()];
    const { ms } = await stack.h.timeToFirstInference(stack.clientOptions(), model.name, model.input);
    return { ms, ferryBytes: ferryBytes() - ferry, siteBytes: stack.site.bytesSent() - site };
  };
  const cold = await measure();
  await stack.h.reload();
  const warm = await measure();
  return [
    row(`${model.label}: time to first inference, warm (reload) vs cold (empty profile)`, {
      unit: 'ms',
      ferry: warm.ms,
      baseline: cold.ms,
      better: 'lower',
    }),
    row('bytes fetched from the Ferry server, warm vs cold', {
      unit: 'bytes',
      ferry: warm.ferryBytes,
      baseline: cold.ferryBytes,
      better: 'lower',
    }),
    row("bytes fetched from the page's own origin (SDK, worker, ORT wasm), warm vs cold", {
      unit: 'bytes',
      ferry: warm.siteBytes,
      baseline: cold.siteBytes,
      better: 'lower',
    }),
  ];
}

/**
 * The in-browser runtime in headless Chromium against a real Ferry server: what the worker
 * boundary costs per inference, how little of it lands on the page's main thread, and what the
 * verified IndexedDB cache saves on the second visit.
 */
export async function runtimeBenchmark(): Promise<BenchResult> {
  ensureSdk();
  const stack = await startStack();
  try {
    for (const model of MODELS) await stack.publish(`models/${model.name}`);
    const cold = await firstInference(stack);
    const digits = await boundary(stack);
    const trips = await roundTrips(stack);
    return {
      name: 'In-browser runtime (worker, WASM, IndexedDB cache)',
      description:
        `Headless Chromium, cross-origin isolated page on another origin than the Ferry server, WASM backend. ` +
        `digits: ${BOUNDARY_ROUNDS} rounds of ${ROUND_CALLS} sequential calls each of run(), of a bare echo and of ` +
        `session.run inside Ferry's worker, in alternating order after ${WARMUP_CALLS} warm-up calls; medians over ` +
        `all calls. The bare echo: a module worker in the same page answering a transferred Float32Array(64) with a ` +
        `Float32Array(10). Main-thread time per call is measured the same way for run() and the echo, with ` +
        `performance.now(): from the start of the answer's dispatch on the page (a listener added to the Worker ` +
        `before any other, so it runs first) until the next call has returned (its request posted): reading the ` +
        `answer, the SDK's handling, the caller's loop and the next call. What Chrome does before it dispatches a ` +
        `message (task scheduling, IPC) and garbage collection between tasks are not in it; Chrome's TaskDuration ` +
        `over the same loops, which counts them, is given beside it. paddleocr-det: ${ITERATIONS} sequential calls ` +
        `after ${WARMUP} warm-up calls. Telemetry on vs off is the telemetry-overhead section.`,
      baseline: 'session.run inside the same worker; a cold load in an empty profile',
      settings: {
        iterations: ITERATIONS,
        warmup: WARMUP,
        boundaryRounds: BOUNDARY_ROUNDS,
        roundCalls: ROUND_CALLS,
        backend: 'wasm',
      },
      rows: [...digits, ...trips, ...cold],
    };
  } finally {
    await stack.close();
  }
}
