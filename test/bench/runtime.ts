import type { Page } from 'playwright-core';
import { startStack, type Stack } from '../e2e/support/stack.ts';
import type { HarnessInput } from '../e2e/support/harness.ts';
import ensureSdk from '../support/sdk-setup.ts';
import { row, type BenchResult, type BenchRow } from './report.ts';

const ITERATIONS = 30;
// Main-thread time is read over a loop this long, so the fixed cost of starting it (CDP, the
// evaluate call) weighs little per call.
const MAIN_THREAD_CALLS = 300;
const TELEMETRY_ROUNDS = 10;
const TELEMETRY_WARMUP = 200;
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

/** Main-thread task time of `page` (Chrome's own accounting, in ms) spent while `work` runs. */
async function mainThreadMs(stack: Stack, page: Page, work: () => Promise<unknown>): Promise<number> {
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
 * page lacks): a bare module worker, from a Blob so it has the page's origin and isolation,
 * echoing a transferred Float32Array(inLength) with a new Float32Array(outLength), `iterations`
 * round trips after `warmup`, in ms.
 */
const ECHO_IN_PAGE = `async ([inLength, outLength, warmup, iterations]) => {
  const source = 'self.onmessage = (e) => { const out = new Float32Array(' + outLength + ');' +
    ' out[0] = e.data.input[0]; self.postMessage({ output: out }, [out.buffer]); };';
  const url = URL.createObjectURL(new Blob([source], { type: 'text/javascript' }));
  const worker = new Worker(url, { type: 'module' });
  const once = () => new Promise((resolve) => {
    worker.onmessage = resolve;
    const input = new Float32Array(inLength).fill(4);
    worker.postMessage({ input }, [input.buffer]);
  });
  for (let i = 0; i < warmup; i++) await once();
  const times = [];
  for (let i = 0; i < iterations; i++) {
    const start = performance.now();
    await once();
    times.push(performance.now() - start);
  }
  worker.terminate();
  URL.revokeObjectURL(url);
  return times;
}`;

/**
 * A bare postMessage echo of digits' shapes (64 floats in, 10 out) in the same Chromium and page:
 * the least a worker boundary can cost, which run()'s overhead over session.run is held against.
 */
async function echo(stack: Stack): Promise<{ roundTripMs: number; mainThreadMs: number }> {
  const args = [64, 10, WARMUP * 10, MAIN_THREAD_CALLS] as const;
  let times: number[] = [];
  const busy = await mainThreadMs(stack, stack.page, async () => {
    times = (await stack.page.evaluate(`(${ECHO_IN_PAGE})(${JSON.stringify(args)})`)) as number[];
  });
  return { roundTripMs: median(times), mainThreadMs: busy / MAIN_THREAD_CALLS };
}

async function roundTrips(stack: Stack): Promise<BenchRow[]> {
  await stack.h.open('bench', stack.clientOptions());
  const rows: BenchRow[] = [];
  for (const model of MODELS) {
    await stack.h.load('bench', model.name);
    await stack.h.measure(model.name, model.input, WARMUP);
    let measured = { roundTripMs: [0], workerMs: [0] };
    // digits is quick enough for the long loop; paddleocr-det's calls are long enough alone.
    const calls = model.name === 'digits' ? MAIN_THREAD_CALLS : ITERATIONS;
    const busy = await mainThreadMs(stack, stack.page, async () => {
      measured = await stack.h.measure(model.name, model.input, calls);
    });
    const inference = median(measured.workerMs);
    const roundTrip = median(measured.roundTripMs);
    if (model.name === 'digits') {
      // In the same run, right after run()'s loop, so both see the same machine load.
      const bare = await echo(stack);
      rows.push(
        row(`${model.label}: time run() adds over session.run vs a bare postMessage echo of its shapes`, {
          unit: 'ms (median)',
          ferry: roundTrip - inference,
          baseline: bare.roundTripMs,
          better: 'lower',
        }),
        row(`${model.label}: main-thread time per run() vs per bare postMessage echo`, {
          unit: 'ms per call',
          ferry: busy / calls,
          baseline: bare.mainThreadMs,
          better: 'lower',
        }),
      );
    }
    rows.push(
      row(`${model.label}: run() round trip vs session.run in the worker`, {
        unit: 'ms (median)',
        ferry: roundTrip,
        baseline: inference,
        better: 'lower',
      }),
      row(`${model.label}: main-thread time per run() vs running inference on it`, {
        unit: 'ms per call',
        ferry: busy / calls,
        baseline: inference,
        better: 'lower',
      }),
    );
  }
  return rows;
}

/**
 * digits' run() round trip with telemetry on (default settings: aggregation, features from the
 * model input, a batch every 100 runs into IndexedDB and to the server) vs `telemetry: false`,
 * on two clients in the same page, alternating rounds so drift in the machine hits both alike.
 */
async function telemetryCost(stack: Stack): Promise<BenchRow[]> {
  const model = MODELS[0] as (typeof MODELS)[number];
  const times: Record<'on' | 'off', number[]> = { on: [], off: [] };
  for (const side of ['on', 'off'] as const) {
    await stack.h.open(`telemetry-${side}`, stack.clientOptions(side === 'off' ? { telemetry: false } : {}));
    await stack.h.load(`telemetry-${side}`, model.name, { key: `digits-${side}` });
    // Both sides warm up alike (JIT, caches) over more runs than a single batch holds.
    await stack.h.measure(`digits-${side}`, model.input, TELEMETRY_WARMUP);
  }
  for (let round = 0; round < TELEMETRY_ROUNDS; round++) {
    for (const side of round % 2 === 0 ? (['on', 'off'] as const) : (['off', 'on'] as const)) {
      times[side].push(...(await stack.h.measure(`digits-${side}`, model.input, ITERATIONS)).roundTripMs);
    }
  }
  const mean = (values: readonly number[]) => values.reduce((a, b) => a + b, 0) / values.length;
  // The mean too: telemetry counts runs in bursts, which a median alone would hide.
  return [
    row(`${model.label}: run() round trip with telemetry on vs off`, {
      unit: 'ms (median)',
      ferry: median(times.on),
      baseline: median(times.off),
      better: 'lower',
    }),
    row(`${model.label}: run() round trip with telemetry on vs off, mean`, {
      unit: 'ms (mean)',
      ferry: mean(times.on),
      baseline: mean(times.off),
      better: 'lower',
    }),
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
    const trips = await roundTrips(stack);
    const telemetry = await telemetryCost(stack);
    return {
      name: 'In-browser runtime (worker, WASM, IndexedDB cache)',
      description:
        `Headless Chromium, cross-origin isolated page on another origin than the Ferry server, WASM backend ` +
        `(${ITERATIONS} sequential calls after ${WARMUP} warm-up calls, ${MAIN_THREAD_CALLS} for digits; medians). ` +
        `The bare echo: a module worker in the same page answering a transferred Float32Array(64) with a ` +
        `Float32Array(10), ${MAIN_THREAD_CALLS} round trips right after digits' run() loop. Main-thread time is Chrome's ` +
        `TaskDuration for the page over the loop, divided by the calls. Telemetry on vs off: after ${TELEMETRY_WARMUP} ` +
        `warm-up calls each, ${TELEMETRY_ROUNDS} rounds of ${ITERATIONS} calls on two clients in alternating order ` +
        `(default telemetry vs telemetry: false).`,
      baseline: 'session.run inside the same worker; a cold load in an empty profile',
      settings: { iterations: ITERATIONS, warmup: WARMUP, backend: 'wasm' },
      rows: [...trips, ...telemetry, ...cold],
    };
  } finally {
    await stack.close();
  }
}
