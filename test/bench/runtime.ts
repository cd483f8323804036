import type { Page } from 'playwright-core';
import { startStack, type Stack } from '../e2e/support/stack.ts';
import type { HarnessInput } from '../e2e/support/harness.ts';
import ensureSdk from '../support/sdk-setup.ts';
import { rendererCpuMs } from './renderer-cpu.ts';
import { mean, median, row, type BenchResult, type BenchRow } from './report.ts';

const ITERATIONS = 30;
// FERRY_BENCH_THREADS=n: the client's numThreads, to compare settings (unset: Ferry's default, what the results show).
// FERRY_BENCH_RUN_SLOT=0: every run() posted (testHooks.runSlot false), to compare with the shared slot.
const benchOptions = (stack: Stack) => {
  const threads = process.env.FERRY_BENCH_THREADS;
  return stack.clientOptions({
    ...(threads ? { numThreads: Number(threads) } : {}),
    ...(process.env.FERRY_BENCH_RUN_SLOT === '0' ? { testHooks: { runSlot: false } } : {}),
  });
};
// digits' boundary, after WARMUP_CALLS of each side: round trips from BLOCKS blocks of BLOCK_CALLS
// calls each of run(), the bare echo and session.run, taking turns; main-thread time from
// BOUNDARY_ROUNDS rounds of ROUND_CALLS calls each of run(), the echo, the waiting echo and the
// shared-memory pings, in alternating order. A round's own page.evaluate and metric reads cost the page ~0.6 ms of
// ThreadTime, which 100 calls a round spread as ~6 µs on each call; 300 spread it as ~2.
const BLOCKS = 100;
const BLOCK_CALLS = 10;
const BOUNDARY_ROUNDS = 10;
const ROUND_CALLS = 300;
const WARMUP_CALLS = 100;
// run() calls before digits' boundary rows. V8 keeps compiling onnxruntime's hot WASM functions to
// its top tier on the renderer's thread pool for thousands of calls (traced here: 44 µs of pool
// CPU per run() after 300 calls, 14 after 3,300, 0.4 after 20,300), and on 2 cores that work
// competes with the page and the worker: the rows would measure the JIT, not the boundary.
const TIER_UP_CALLS = 20_000;
const WARMUP = 3;

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

/** Chrome's main-thread times of `page` (ms) spent while `work` runs: see {@link MainThread}. */
async function mainThreadMs(stack: Stack, page: Page, work: () => Promise<unknown>): Promise<MainThread> {
  const cdp = await stack.context.newCDPSession(page);
  await cdp.send('Performance.enable');
  const read = async () => {
    const { metrics } = await cdp.send('Performance.getMetrics');
    const seconds = (name: string) => metrics.find((m) => m.name === name)?.value ?? NaN;
    return { task: seconds('TaskDuration'), cpu: seconds('ThreadTime') };
  };
  const before = await read();
  await work();
  const after = await read();
  await cdp.detach();
  return { task: (after.task - before.task) * 1000, cpu: (after.cpu - before.cpu) * 1000 };
}

/**
 * Main-thread time of a page over a stretch of work. `task`: Chrome's TaskDuration, the wall time
 * of the tasks the thread ran (time the thread waited for a core inside a task included). `cpu`:
 * Chrome's ThreadTime, the CPU time the thread itself used (the kernel's per-thread clock), which
 * neither a busy machine nor the timer's coarseness in an isolated page inflates.
 */
interface MainThread {
  task: number;
  cpu: number;
}

/**
 * Runs in the page (as source: tsx would wrap a compiled function's inner names in a helper the
 * page lacks). Installs `window.boundary` with six loops of `n` calls on digits' shapes: `runs`
 * (Ferry's run(), its own client and worker), `echo` (a bare module worker from a Blob, so it has
 * the page's origin and isolation, answering a transferred Float32Array(64) with a
 * Float32Array(10), which the page reads as run()'s caller reads its result), `slowEcho` (the same
 * echo answering after a busy wait, see below), `inference` (session.run in a hot loop inside
 * Ferry's worker), and `floor` and `slowFloor` (a bare shared-memory ping, instant or answering
 * after the same wait as `slowEcho`: main-thread rows only). `runs`, `echo` and `slowEcho` return
 * each call's round trip, from the call to its answer (`slowEcho`'s less its worker's wait);
 * `interleaved` takes the first four in turns of a few calls each, and gives the session.run
 * calls that its run() calls made in the worker, and their summed time (the engine's tally in
 * status(), read before and after).
 */
const BOUNDARY_IN_PAGE = `async ([options, inLength, outLength, dims]) => {
  // Multi-threaded WASM and run()'s shared-memory slot (workers/README.md) both need it.
  if (!globalThis.crossOriginIsolated) throw new Error('the bench page is not cross-origin isolated');
  const { createFerryClient } = await import('/sdk/client.js');
  const client = createFerryClient({ ...options,
    worker: () => new Worker('/sdk/worker.js', { type: 'module', name: 'ferry' }) });
  const model = client.model('digits');
  await model.ready();
  const source = 'self.onmessage = (e) => { const out = new Float32Array(' + outLength + ');' +
    ' out[0] = e.data.input[0]; self.postMessage({ output: out }, [out.buffer]); };';
  const url = URL.createObjectURL(new Blob([source], { type: 'text/javascript' }));
  const echoWorker = new Worker(url, { type: 'module' });
  const echo = () => new Promise((resolve) => {
    echoWorker.onmessage = (event) => resolve(event.data.output);
    const input = new Float32Array(inLength).fill(4);
    echoWorker.postMessage({ input }, [input.buffer]);
  });
  // The same echo, answering only after a busy wait as long as session.run takes inside run()
  // (the mean of 200 warm run() calls, from the tally): the page sleeps meanwhile, as it does during a
  // run(), and waking it costs the poster more than an instant answer does. Each answer says how
  // long its worker waited, which the page takes off the round trip.
  const slowSource = 'self.onmessage = (e) => { const start = performance.now();' +
    ' while (performance.now() - start < e.data.delay) {}' +
    ' const out = new Float32Array(' + outLength + '); out[0] = e.data.input[0];' +
    ' self.postMessage({ output: out, waited: performance.now() - start }, [out.buffer]); };';
  const slowWorker = new Worker(URL.createObjectURL(new Blob([slowSource], { type: 'text/javascript' })),
    { type: 'module' });
  let delay;
  const slowEcho = () => new Promise((resolve) => {
    slowWorker.onmessage = (event) => resolve(event.data);
    const input = new Float32Array(inLength).fill(4);
    slowWorker.postMessage({ input, delay }, [input.buffer]);
  });
  // The floor: a bare shared-memory ping of the same shapes. The page writes the input into a
  // SharedArrayBuffer, bumps the request word, Atomics.notify, and awaits Atomics.waitAsync on the
  // answer word; the worker, blocked in Atomics.wait, writes outLength floats, bumps the answer
  // word and notifies; the page copies them out as run()'s caller gets its result. What any
  // shared-memory design costs the page here. waitMs(): how long the worker busy-waits first.
  const ping = (waitMs) => {
    const buffer = new SharedArrayBuffer(4 * (16 + inLength));
    const words = new Int32Array(buffer);
    const floats = new Float32Array(buffer);
    const pingSource = 'self.onmessage = (e) => { const words = new Int32Array(e.data);' +
      ' const floats = new Float32Array(e.data); let seen = 0;' +
      ' for (;;) { Atomics.wait(words, 1, seen); seen = Atomics.load(words, 1);' +
      ' const start = performance.now(); while (performance.now() - start < floats[2]) {}' +
      ' for (let i = 0; i < ' + outLength + '; i++) floats[16 + i] = floats[16];' +
      ' Atomics.store(words, 0, seen); Atomics.notify(words, 0); } };';
    new Worker(URL.createObjectURL(new Blob([pingSource], { type: 'text/javascript' })), { type: 'module' })
      .postMessage(buffer);
    let sequence = 0;
    return async () => {
      floats[2] = waitMs();
      floats.set(new Float32Array(inLength).fill(4), 16);
      Atomics.store(words, 1, ++sequence);
      Atomics.notify(words, 1);
      const waited = Atomics.waitAsync(words, 0, sequence - 1);
      if (waited.async) await waited.value;
      const output = new Float32Array(outLength);
      output.set(floats.subarray(16, 16 + outLength));
      return output;
    };
  };
  const run = () => model.run({ pixels: { data: new Float32Array(inLength).fill(4), dims } });
  const timed = (call) => async (n) => {
    const roundTrip = [];
    for (let i = 0; i < n; i++) {
      const start = performance.now();
      await call();
      roundTrip.push(performance.now() - start);
    }
    return roundTrip;
  };
  const boundary = {
    runs: timed(run),
    echo: timed(echo),
    floor: timed(ping(() => 0)),
    // Set before its first call: slowEcho's first call fixes the wait.
    slowFloor: timed(ping(() => delay)),
    inference: (n) => model.measure({ pixels: { data: new Float32Array(inLength).fill(4), dims } }, n),
    // Round trips less the worker's wait; the first call fixes the wait (after run()'s warm-up).
    slowEcho: async (n) => {
      if (delay === undefined) {
        const before = await tally();
        await boundary.runs(200);
        const after = await tally();
        delay = (after.ms - before.ms) / (after.runs - before.runs);
      }
      const less = [];
      for (let i = 0; i < n; i++) {
        const start = performance.now();
        const { waited } = await slowEcho();
        less.push(performance.now() - start - waited);
      }
      return less;
    },
  };
  // The session.run calls of Ferry's run() calls so far, and their summed ms (the worker's tally).
  const tally = async () => (await client.status()).models.find((m) => m.name === 'digits').inference;
  // Blocks of size calls of each side in turn (abcd, dcba, …), so that a busy moment of the machine
  // falls on all four alike. The tally is read before and after, not between blocks: a status()
  // call between blocks slowed the run() calls after it (its IndexedDB reads).
  boundary.interleaved = async (blocks, size) => {
    const sides = ['runs', 'echo', 'slowEcho', 'inference'];
    const times = { runs: [], echo: [], slowEcho: [], inference: [] };
    const before = await tally();
    for (let block = 0; block < blocks; block++) {
      for (const side of block % 2 ? [...sides].reverse() : sides) times[side].push(...(await boundary[side](size)));
    }
    const after = await tally();
    return { times, inCall: { runs: after.runs - before.runs, ms: after.ms - before.ms }, delay };
  };
  window.boundary = boundary;
}`;

/**
 * digits' run() against a bare postMessage echo of its shapes (64 floats in, 10 out) and against
 * session.run, in the same page, taking turns so that the machine's load hits all alike.
 */
async function boundary(stack: Stack): Promise<BenchRow[]> {
  const { page } = stack;
  await page.evaluate(
    `(${BOUNDARY_IN_PAGE})(${JSON.stringify([benchOptions(stack), 64, 10, [1, 1, 8, 8]])})`,
  );
  const mainSides = ['runs', 'echo', 'slowEcho', 'floor', 'slowFloor'] as const;
  const main = Object.fromEntries(mainSides.map((side) => [side, { task: 0, cpu: 0 }])) as Record<
    (typeof mainSides)[number],
    MainThread
  >;
  await page.evaluate(`window.boundary.runs(${TIER_UP_CALLS}).then((times) => times.length)`);
  for (const side of [...mainSides, 'inference'] as const)
    await page.evaluate(`window.boundary.${side}(${WARMUP_CALLS})`);
  const { times, inCall, delay } = (await page.evaluate(
    `window.boundary.interleaved(${BLOCKS}, ${BLOCK_CALLS})`,
  )) as {
    times: Record<'runs' | 'echo' | 'slowEcho' | 'inference', number[]>;
    inCall: { runs: number; ms: number };
    delay: number;
  };
  if (inCall.runs !== times.runs.length) {
    throw new Error(`session.run tally: ${inCall.runs} runs for ${times.runs.length} run() calls`);
  }
  for (let round = 0; round < BOUNDARY_ROUNDS; round++) {
    for (const side of round % 2 === 0 ? mainSides : [...mainSides].reverse()) {
      const spent = await mainThreadMs(stack, page, () =>
        page.evaluate(`window.boundary.${side}(${ROUND_CALLS})`),
      );
      main[side].task += spent.task;
      main[side].cpu += spent.cpu;
    }
  }
  const calls = BOUNDARY_ROUNDS * ROUND_CALLS;
  const label = 'digits (8×8 CNN)';
  const waiting = `the echo answering after a ${(delay * 1000).toFixed(0)} µs busy wait`;
  const waitingPing = `shared-memory ping answering after the same wait`;
  /** run()'s main-thread CPU and task time per call against those of `side`, called `name`. */
  const mainThreadRows = (name: string, side: MainThread): BenchRow[] => [
    row(`${label}: main-thread CPU time per run() vs per ${name} (Chrome's ThreadTime)`, {
      unit: 'ms per call',
      ferry: main.runs.cpu / calls,
      baseline: side.cpu / calls,
      better: 'lower',
    }),
    row(`${label}: main-thread task time per run() vs per ${name} (Chrome's TaskDuration)`, {
      unit: 'ms per call',
      ferry: main.runs.task / calls,
      baseline: side.task / calls,
      better: 'lower',
    }),
  ];
  return [
    row(`${label}: time run() adds over the session.run of the same calls vs a bare postMessage echo`, {
      unit: 'ms (mean)',
      ferry: mean(times.runs) - inCall.ms / inCall.runs,
      baseline: mean(times.echo),
      better: 'lower',
    }),
    row(
      `${label}: time run() adds over the session.run of the same calls vs ${waiting} (its wait taken off)`,
      {
        unit: 'ms (mean)',
        ferry: mean(times.runs) - inCall.ms / inCall.runs,
        baseline: mean(times.slowEcho),
        better: 'lower',
      },
    ),
    row(`${label}: time run() adds over a hot loop's session.run vs a bare postMessage echo`, {
      unit: 'ms (median)',
      ferry: median(times.runs) - median(times.inference),
      baseline: median(times.echo),
      better: 'lower',
    }),
    ...mainThreadRows('bare echo', main.echo),
    ...mainThreadRows(`call of ${waiting}`, main.slowEcho),
    ...mainThreadRows('bare shared-memory ping', main.floor),
    ...mainThreadRows(waitingPing, main.slowFloor),
    row(`${label}: run() round trip vs session.run in the worker (hot loop)`, {
      unit: 'ms (median)',
      ferry: median(times.runs),
      baseline: median(times.inference),
      better: 'lower',
    }),
    row(`${label}: session.run inside run() calls vs in a hot loop`, {
      unit: 'ms (mean)',
      ferry: inCall.ms / inCall.runs,
      baseline: mean(times.inference),
      better: 'lower',
    }),
  ];
}

/** paddleocr-det's run() round trip against session.run, and its main-thread task time. */
async function roundTrips(stack: Stack): Promise<BenchRow[]> {
  await stack.h.open('bench', benchOptions(stack));
  const model = MODELS[1] as (typeof MODELS)[number];
  await stack.h.load('bench', model.name);
  await stack.h.measure(model.name, model.input, WARMUP);
  let measured = { roundTripMs: [0], workerMs: [0] };
  const { task: busy } = await mainThreadMs(stack, stack.page, async () => {
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

const LONE_RUNS = 40;
const LONE_GAP_MS = 50;
const THREAD_ROUNDS = 2;

/**
 * Ferry's default WASM threads against one thread per core (Ferry's former default), each in a
 * client of its own, in alternating rounds: the renderer's CPU per lone digits run() (onnxruntime's
 * pool threads spin after each run) and paddleocr-det's run() round trip.
 */
async function threadCost(stack: Stack): Promise<BenchRow[]> {
  const { page } = stack;
  const cores = (await page.evaluate('Math.min(4, navigator.hardwareConcurrency || 1)')) as number;
  await page.evaluate(`(async () => {
    const { createFerryClient } = await import('/sdk/client.js');
    window.threadCost = {
      async open(options) {
        window.threadCost.client?.terminate();
        const client = createFerryClient({ ...options,
          worker: () => new Worker('/sdk/worker.js', { type: 'module', name: 'ferry' }) });
        window.threadCost.client = client;
        const [digits, det] = [client.model('digits'), client.model('paddleocr-det')];
        const info = await digits.ready();
        await det.ready();
        const pixels = () => ({ pixels: { data: new Float32Array(64).fill(4), dims: [1, 1, 8, 8] } });
        const x = () => ({ x: { data: new Float32Array(3 * 320 * 320).fill(0.5), dims: [1, 3, 320, 320] } });
        Object.assign(window.threadCost, {
          async lone(n, gap) {
            for (let i = 0; i < n; i++) {
              await digits.run(pixels());
              await new Promise((resolve) => setTimeout(resolve, gap));
            }
          },
          async det(n) {
            const times = [];
            for (let i = 0; i < n; i++) {
              const start = performance.now();
              await det.run(x());
              times.push(performance.now() - start);
            }
            return times;
          },
        });
        for (let i = 0; i < 20; i++) await digits.run(pixels());
        await window.threadCost.det(${WARMUP});
        return info.threads;
      },
    };
  })()`);
  const sides = {
    default: { cpu: 0, det: [] as number[], threads: 0 },
    perCore: { cpu: 0, det: [] as number[], threads: 0 },
  };
  for (let round = 0; round < THREAD_ROUNDS * 2; round++) {
    const side = round % 2 === 0 ? sides.default : sides.perCore;
    const options = stack.clientOptions(side === sides.perCore ? { numThreads: cores } : {});
    side.threads = (await page.evaluate(`window.threadCost.open(${JSON.stringify(options)})`)) as number;
    await new Promise((resolve) => setTimeout(resolve, 200)); // the warm-up's spinning ends
    side.cpu += await rendererCpuMs(() =>
      page.evaluate(`window.threadCost.lone(${LONE_RUNS}, ${LONE_GAP_MS})`),
    );
    side.det.push(...((await page.evaluate(`window.threadCost.det(${ITERATIONS / 2})`)) as number[]));
  }
  await page.evaluate('window.threadCost.client.terminate()');
  const versus = `Ferry's default (${sides.default.threads} thread(s)) vs one per core (${sides.perCore.threads})`;
  return [
    row(`digits: renderer CPU per lone run() (${LONE_GAP_MS} ms apart), ${versus}`, {
      unit: 'ms per run',
      ferry: sides.default.cpu / (THREAD_ROUNDS * LONE_RUNS),
      baseline: sides.perCore.cpu / (THREAD_ROUNDS * LONE_RUNS),
      better: 'lower',
    }),
    row(`paddleocr-det: run() round trip, ${versus}`, {
      unit: 'ms (median)',
      ferry: median(sides.default.det),
      baseline: median(sides.perCore.det),
      better: 'lower',
    }),
  ];
}

async function firstInference(stack: Stack) {
  const model = MODELS[1] as (typeof MODELS)[number];
  const ferryBytes = () => stack.proxy.requests.reduce((sum, r) => sum + r.bytes, 0);
  const measure = async () => {
    const [ferry, site] = [ferryBytes(), stack.site.bytesSent()];
    const { ms } = await stack.h.timeToFirstInference(benchOptions(stack), model.name, model.input);
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
    const threads = await threadCost(stack);
    return {
      name: 'In-browser runtime (worker, WASM, IndexedDB cache)',
      description:
        `Headless Chromium, cross-origin isolated page on another origin than the Ferry server, WASM backend. ` +
        `digits: round trips from ${BLOCKS} blocks of ${BLOCK_CALLS} sequential calls each of run(), of a bare echo, of the waiting echo and ` +
        `of session.run in a hot loop inside Ferry's worker (measure()), taking turns in one page (abcd, dcba, …) after ` +
        `${TIER_UP_CALLS} run() calls (V8 compiles onnxruntime's hot WASM functions to its top tier on the renderer's ` +
        `thread pool for thousands of calls: 44 µs of pool CPU per run() after 300 calls, 14 after 3,300, 0.4 after ` +
        `20,300, traced; on 2 cores that competes with the page and the worker) and ${WARMUP_CALLS} warm-up calls ` +
        `each, so that a busy moment of the machine falls on all four alike. ` +
        `The bare echo: a module worker in the same page answering a transferred Float32Array(64) with a ` +
        `Float32Array(10), which the page reads. First row: the mean round trip of the ${BLOCKS * BLOCK_CALLS} run() calls ` +
        `less the mean wall time of the session.run calls those same calls made in the worker (from ` +
        `onnxruntime's session.run call to its promise settling, summed and counted by the engine, read from ` +
        `status() before and after the blocks, not between them: a status() call between blocks slowed the ` +
        `run() calls after it by ~40 µs at the median on this machine), against the mean round trip of the ` +
        `echo's calls. Means, because a mean is what subtracts: the time run() adds is the mean of (round ` +
        `trip − its session.run), and the engine keeps sums, not each call. What it counts is everything run() ` +
        `adds to onnxruntime's session.run: the SDK's work on both threads (input checks, tensors, scores, ` +
        `telemetry recording where it delays the next call, a telemetry batch cut every 1000 runs), both ` +
        `messages and their structured clones, and the worker's wake-up before session.run starts; both means ` +
        `carry the machine's stalls (on the shared 2-core machine run()'s round trips had a heavy tail spread over ` +
        `every position in a block, p90 0.33 ms against a 0.125 ms median, the echo's p90 0.06 ms, so this ` +
        `row's ratio came out above what medians give). Second row: the same against a second echo worker that ` +
        `busy-waits as long as session.run takes inside run() (the mean of 200 warm run() calls, from the tally) ` +
        `before it answers, its wait taken off each round trip: the page sleeps meanwhile, as during a run(), ` +
        `and a message that wakes a sleeping page cost the posting worker 20-40 µs here against 5 µs for the ` +
        `bare echo's instant answer (timed inside both workers). Third row: the median run() round trip less the median session.run of ` +
        `the hot loop, against the echo's median (per-call medians, on the isolated page's 5 µs clock); it also ` +
        `counts what session.run takes more inside a run() call, the worker having just woken, than in a hot ` +
        `loop (the last digits row shows both, as means). Ferry's worker runs onnxruntime-web's own default of ` +
        `WASM threads, half the cores up to 4 (1 on a 2-core machine). Ferry used one per core before: on 2 cores ` +
        `the pool's second thread spun after each session.run, ~20 ms of CPU after a lone digits run() against ` +
        `~1 ms with one thread, and 0.3-0.55 ms of the worker's threads' CPU per call while calls came back to ` +
        `back against 0.15 ms (the renderer's per-thread CPU times, /proc), on the core the page and the ` +
        `answering worker shared, the echoes included (FERRY_BENCH_THREADS=n sets the client's numThreads to ` +
        `compare). Main-thread time per call is ` +
        `measured the same way for run(), the echo, the waiting echo (whose page sleeps as long as during a ` +
        `run(), so its rows show what waking the page costs any worker that answers as late as session.run; a ` +
        `busy wait touches little memory, and a fake Ferry worker that walked 4 MB while it waited cost the page ` +
        `~3 µs more per call than one that spun), a bare shared-memory ping and the same ping answering after the ` +
        `waiting echo's wait (what any shared-memory design costs the page here: the page writes 64 floats into a ` +
        `SharedArrayBuffer, Atomics.notify, and awaits Atomics.waitAsync; a module worker from a Blob, blocked in ` +
        `Atomics.wait, writes 10 floats and notifies; the page copies them out; run() goes the same way through its ` +
        `shared slot, its worker waiting with Atomics.waitAsync so that it keeps serving messages, after polling the slot for up to 0.2 ms while calls come back to back), ` +
        `over ${BOUNDARY_ROUNDS} rounds of ${ROUND_CALLS} calls each of every side, in alternating order, divided by the calls: Chrome's ThreadTime, the CPU time the ` +
        `page's main thread used (the kernel's per-thread clock: everything the thread did, from dispatching the ` +
        `answer and the SDK's handling to the caller's loop, the next request, garbage collection and the ` +
        `benchmark's own page.evaluate and metric reads per round, ~0.6 ms of ThreadTime here, ~2 µs a call, but no ` +
        `time spent waiting for a core), and Chrome's ` +
        `TaskDuration, the wall time of its tasks (waiting for a core inside a task included). ` +
        `paddleocr-det: ${ITERATIONS} sequential calls ` +
        `after ${WARMUP} warm-up calls. Thread rows: Ferry's default WASM threads against one per core up to 4 ` +
        `(Ferry's default before), each in a fresh client, in ${THREAD_ROUNDS * 2} alternating rounds: the CPU ` +
        `time of every thread of the renderer (/proc schedstat) over ${LONE_RUNS} digits run() calls ` +
        `${LONE_GAP_MS} ms apart, per run, and paddleocr-det's run() round trips, ${ITERATIONS / 2} per round. ` +
        `Telemetry is on (its default) throughout; on vs off is the telemetry-overhead section.`,
      baseline: 'session.run inside the same worker; a cold load in an empty profile',
      settings: {
        iterations: ITERATIONS,
        warmup: WARMUP,
        tierUpCalls: TIER_UP_CALLS,
        blocks: BLOCKS,
        blockCalls: BLOCK_CALLS,
        boundaryRounds: BOUNDARY_ROUNDS,
        roundCalls: ROUND_CALLS,
        backend: 'wasm',
      },
      rows: [...digits, ...trips, ...threads, ...cold],
    };
  } finally {
    await stack.close();
  }
}
