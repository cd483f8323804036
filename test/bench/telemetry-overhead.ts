import { startStack, type Stack } from '../e2e/support/stack.ts';
import type { HarnessInput } from '../e2e/support/harness.ts';
import ensureSdk from '../support/sdk-setup.ts';
import { row, type BenchResult, type BenchRow } from './report.ts';

const ROUNDS = 10;
const ROUND_CALLS = 30;
const WARMUP = 200;
const LABEL = 'digits (8×8 CNN)';
const INPUT: HarnessInput = { kind: 'filled', name: 'pixels', dims: [1, 1, 8, 8], value: 4 };

const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};
const mean = (values: readonly number[]) => values.reduce((a, b) => a + b, 0) / values.length;

/**
 * digits' run() round trip with telemetry on (default settings: aggregation, features from the
 * model input, a batch every 100 runs into IndexedDB and to the server) vs `telemetry: false`,
 * on two clients in the same page, alternating rounds so drift in the machine hits both alike.
 */
async function telemetryCost(stack: Stack): Promise<BenchRow[]> {
  const times: Record<'on' | 'off', number[]> = { on: [], off: [] };
  for (const side of ['on', 'off'] as const) {
    await stack.h.open(`telemetry-${side}`, stack.clientOptions(side === 'off' ? { telemetry: false } : {}));
    await stack.h.load(`telemetry-${side}`, 'digits', { key: `digits-${side}` });
    // Both sides warm up alike (JIT, caches) over more runs than a single batch holds.
    await stack.h.measure(`digits-${side}`, INPUT, WARMUP);
  }
  for (let round = 0; round < ROUNDS; round++) {
    for (const side of round % 2 === 0 ? (['on', 'off'] as const) : (['off', 'on'] as const)) {
      times[side].push(...(await stack.h.measure(`digits-${side}`, INPUT, ROUND_CALLS)).roundTripMs);
    }
  }
  // The mean too: telemetry counts runs in bursts, which a median alone would hide.
  return [
    row(`${LABEL}: run() round trip with telemetry on vs off`, {
      unit: 'ms (median)',
      ferry: median(times.on),
      baseline: median(times.off),
      better: 'lower',
    }),
    row(`${LABEL}: run() round trip with telemetry on vs off, mean`, {
      unit: 'ms (mean)',
      ferry: mean(times.on),
      baseline: mean(times.off),
      better: 'lower',
    }),
  ];
}

/** What recording telemetry adds to run(): the same model on two clients, telemetry on and off. */
export async function telemetryOverheadBenchmark(): Promise<BenchResult> {
  ensureSdk();
  const stack = await startStack();
  try {
    await stack.publish('models/digits');
    return {
      name: 'Telemetry overhead (run() with telemetry on vs off)',
      description:
        `Headless Chromium, cross-origin isolated page on another origin than the Ferry server, WASM backend. ` +
        `After ${WARMUP} warm-up calls each, ${ROUNDS} rounds of ${ROUND_CALLS} calls on two clients in ` +
        `alternating order (default telemetry vs telemetry: false).`,
      baseline: 'the same client with telemetry: false',
      settings: { rounds: ROUNDS, roundCalls: ROUND_CALLS, warmup: WARMUP, backend: 'wasm' },
      rows: await telemetryCost(stack),
    };
  } finally {
    await stack.close();
  }
}
