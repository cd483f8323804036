import type { RequestSpec } from 'autocannon';
import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import type { ReferenceProfile } from '../../shared/index.ts';
import { telemetryBatch } from '../../server/testing/telemetry-batch.ts';
import { INGEST_THREAD_MIN_CORES, loadTelemetrySettings } from '../../server/telemetry/settings.ts';
import { tinyDir } from '../../server/testing/tiny-bundle.ts';
import { startFerryServer } from '../support/ferry-server.ts';
import { bundleVariant, removeTempDir } from '../support/bundles.ts';
import { cpuTimeOf, type CpuTime } from '../support/process-cpu.ts';
import { publishOverHttp } from '../support/registry-http.ts';
import { alternateLoads, loadRounds, summarizeRounds, type Rounds } from './alternate-load.ts';
import { startChildServer } from './child-server.ts';
import { latencyRows, row, type BenchResult } from './report.ts';

const settings = {
  connections: 32,
  seconds: 8,
  rounds: 4,
  // Each side's load on each fresh server process before its measured rounds (V8 compiling the hot paths).
  warmupSeconds: 2,
  // The goal's rows: the seconds and rounds spread over this many fresh pairs of server processes.
  processes: 4,
  // The ingest thread's rows: fewer rounds, since they stand beside the goal's.
  threadRounds: 2,
  features: 30,
  binsPerFeature: 10,
  runsPerBatch: 50,
};

// A realistic batch: 30 numeric reference features of 10 bins, 3 labels, every histogram filled.
const edges = Array.from({ length: settings.binsPerFeature + 1 }, (_, i) => i / settings.binsPerFeature);
const names = Array.from({ length: settings.features }, (_, i) => `feature_${i}`);
const reference: ReferenceProfile = {
  sampleCount: 1000,
  features: names.map((name) => ({
    name,
    kind: 'numeric',
    edges,
    counts: edges.slice(1).map(() => 100),
  })),
  predictions: { labels: ['red', 'green', 'blue'], counts: [400, 300, 300] },
};
const template = telemetryBatch({ runs: settings.runsPerBatch }, (b) => {
  b.features = names.map((name, i) => ({
    name,
    counts: Array.from({ length: edges.length + 1 }, (_, j) => (j + i) % 7),
  }));
  b.predictions = { counts: [20, 15, 15], topScore: b.predictions?.topScore ?? [] };
});
// The rest of the batch stays put; only the id changes, so every request is a new batch.
const [head, tail] = JSON.stringify({ ...template, batchId: '#' }).split('"#"') as [string, string];
const freshBody = () => `${head}"${randomBytes(16).toString('hex')}"${tail}`;

const cores = availableParallelism();
/** What FERRY_TELEMETRY_INGEST_THREAD=auto does on this machine, in the description's words. */
const whereIngestRuns = (threaded: boolean) =>
  threaded
    ? 'hands each body from the event loop to the ingest thread, which parses, checks and commits it'
    : 'parses, checks and commits each batch on the event loop';

const postOptions = {
  connections: settings.connections,
  requests: [
    {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      setupRequest: (request: RequestSpec) => ({ ...request, body: freshBody() }),
    },
  ],
};

/**
 * Telemetry ingest throughput and ack latency: autocannon POSTs a realistic batch with a fresh
 * batch id per request to Ferry's fast-lane route (on the ingest thread: schema, version check,
 * one SQLite transaction with its idempotency record), with each durability setting, and to a
 * bare node:http endpoint that only parses the JSON.
 */
export async function ingestBenchmark(): Promise<BenchResult> {
  const dir = bundleVariant(tinyDir, (manifest) => void (manifest.reference = reference));
  try {
    const plain = await startChildServer('ingest-baseline.ts');
    try {
      const baseline = { url: `${plain.url}/ingest`, pid: plain.pid };
      const ours = await ferryLoad(dir, {
        durability: 'normal',
        baseline: 'fresh',
        processes: settings.processes,
      });
      const synced = await ferryLoad(dir, { durability: 'full', baseline });
      const threaded = await ferryLoad(dir, {
        durability: 'normal',
        baseline,
        ingestThread: 'on',
        rounds: settings.threadRounds,
      });
      const auto = whereIngestRuns(loadTelemetrySettings({}).ingestThread);
      return {
        name: 'Telemetry ingest under concurrent batches',
        description: `${settings.connections} concurrent clients POST a ${freshBody().length}-byte batch (${settings.features} features of ${settings.binsPerFeature} bins, 3 labels, ${settings.runsPerBatch} runs) with a fresh batch id each, ${settings.seconds} s per side in alternating rounds of Ferry and the baseline (autocannon, same machine; alternating so that other load on the machine falls on both sides alike). The goal's rows (the first five) spread those seconds over ${settings.processes} fresh pairs of server processes, a Ferry server and a baseline started one pair after the other, each pair warmed up for ${settings.warmupSeconds} s a side and then measured in 2 alternating rounds: two Ferry processes of the same code and setup differed by up to ~14 µs of main-thread CPU per batch here (Node's process.nextTick took 0.4, 2.2 or 6.3 µs per batch depending on how V8 happened to optimise it in each process, in a perf profile), so one process is one draw of that, not the server's cost. The other rows run one Ferry server each, beside one baseline process, in ${settings.rounds} rounds after a ${settings.warmupSeconds} s warm-up. Ferry runs with the default FERRY_TELEMETRY_INGEST_THREAD=auto, which on this machine (${cores} cores) ${auto}; it answers after the batch is checked against its version and committed to SQLite, with the default FERRY_TELEMETRY_DURABILITY=normal (WAL commit, no disk sync: survives a server crash, not a power loss); the durability-full rows measure FERRY_TELEMETRY_DURABILITY=full (a WAL sync per group commit) against the baseline measured alongside it, and the ingest-thread rows FERRY_TELEMETRY_INGEST_THREAD=on (the event loop reads the body and hands it to a thread of its own, which parses, checks and commits it: auto's choice from ${INGEST_THREAD_MIN_CORES} cores up) in ${settings.threadRounds} rounds against the baseline measured alongside it. The rate limit is off. The CPU rows divide each server process's CPU time (user + system, from /proc) over the measured rounds of the default-durability load by the batches it answered (summed over the pairs): all its threads (Ferry's WAL checkpointer, and the ingest thread where it runs, included), and its main thread alone, where HTTP and the event loop run (with the ingest thread, the difference is mostly its parsing, checking and commits); each side is idle during the other's rounds, and unlike the throughput rows these change little when other work shares the machine.`,
        baseline: 'a bare node:http endpoint that reads the body, parses the JSON and answers 204',
        settings,
        rows: [
          row('batches', {
            unit: 'batches/s',
            ferry: ours.ferry.perSecond,
            baseline: ours.baseline.perSecond,
            better: 'higher',
          }),
          row('predictions', {
            unit: 'runs/s',
            ferry: ours.ferry.perSecond * settings.runsPerBatch,
            baseline: ours.baseline.perSecond * settings.runsPerBatch,
            better: 'higher',
          }),
          ...latencyRows('ack latency', ours.ferry.latency, ours.baseline.latency),
          row('server CPU per batch', {
            unit: 'µs',
            ferry: ours.cpu.ferry.process,
            baseline: ours.cpu.baseline.process,
            better: 'lower',
          }),
          row('server main-thread CPU per batch', {
            unit: 'µs',
            ferry: ours.cpu.ferry.mainThread,
            baseline: ours.cpu.baseline.mainThread,
            better: 'lower',
          }),
          row('batches, durability full', {
            unit: 'batches/s',
            ferry: synced.ferry.perSecond,
            baseline: synced.baseline.perSecond,
            better: 'higher',
          }),
          ...latencyRows('ack latency, durability full', synced.ferry.latency, synced.baseline.latency),
          row('batches, ingest thread on', {
            unit: 'batches/s',
            ferry: threaded.ferry.perSecond,
            baseline: threaded.baseline.perSecond,
            better: 'higher',
          }),
          ...latencyRows('ack latency, ingest thread on', threaded.ferry.latency, threaded.baseline.latency),
          row('server CPU per batch, ingest thread on', {
            unit: 'µs',
            ferry: threaded.cpu.ferry.process,
            baseline: threaded.cpu.baseline.process,
            better: 'lower',
          }),
          row('server main-thread CPU per batch, ingest thread on', {
            unit: 'µs',
            ferry: threaded.cpu.ferry.mainThread,
            baseline: threaded.cpu.baseline.mainThread,
            better: 'lower',
          }),
        ],
      };
    } finally {
      plain.stop();
    }
  } finally {
    removeTempDir(dir);
  }
}

/** CPU µs per batch of `spent` (CPU seconds, summed over the processes of one side) for `batches`. */
function perBatch(spent: CpuTime, batches: number): CpuTime {
  return { process: (spent.process * 1e6) / batches, mainThread: (spent.mainThread * 1e6) / batches };
}

/** The CPU seconds process `pid` used since the reading `before`. */
function cpuSince(pid: number, before: CpuTime): CpuTime {
  const after = cpuTimeOf(pid);
  return { process: after.process - before.process, mainThread: after.mainThread - before.mainThread };
}

/**
 * Ferry's ingest under load with `durability`, alternating with the baseline, and the CPU time
 * each server process used per batch over the measured rounds. The rounds are spread over
 * `processes` Ferry servers started one after the other (with a fresh baseline each when
 * `baseline` is `'fresh'`): two processes of the same code and setup differed by up to ~14 µs of
 * main-thread CPU per batch here (how V8 happened to optimise Node's own hot paths in each), so
 * one process is one draw of that, not the server's cost.
 */
async function ferryLoad(dir: string, options: LoadOptions & { rounds?: number; processes?: number }) {
  const processes = options.processes ?? 1;
  // Whole rounds, at least one of each order, per process.
  const rounds = Math.max(2, Math.ceil((options.rounds ?? settings.rounds) / processes));
  const runs: Rounds = { ferry: [], baseline: [] };
  const spent = { ferry: { process: 0, mainThread: 0 }, baseline: { process: 0, mainThread: 0 } };
  let urls = { ferry: '', baseline: '' };
  for (let i = 0; i < processes; i++) {
    const pair = await ferryProcessLoad(dir, options, {
      rounds,
      seconds: settings.seconds / processes,
      into: runs,
    });
    urls = pair.urls;
    for (const side of ['ferry', 'baseline'] as const) {
      spent[side].process += pair.spent[side].process;
      spent[side].mainThread += pair.spent[side].mainThread;
    }
  }
  const loads = summarizeRounds(runs, postOptions, { urls, seconds: settings.seconds });
  const cpu = {
    ferry: perBatch(spent.ferry, loads.ferry.total),
    baseline: perBatch(spent.baseline, loads.baseline.total),
  };
  return { ...loads, cpu };
}

/** A baseline server: one already running, or `'fresh'`, a new one beside each Ferry process. */
type BaselineServer = { url: string; pid: number } | 'fresh';

interface LoadOptions {
  durability: 'normal' | 'full';
  baseline: BaselineServer;
  ingestThread?: 'auto' | 'on';
}

/** One process pair's measured rounds, added to `into`. */
type Plan = { rounds: number; seconds: number; into: Rounds };

/**
 * One Ferry server (and a fresh baseline if asked) under `plan`'s rounds after a warm-up, its
 * rounds added to `plan.into`; the CPU seconds each process used over them.
 */
async function ferryProcessLoad(dir: string, options: LoadOptions, plan: Plan) {
  const plain = options.baseline === 'fresh' ? await startChildServer('ingest-baseline.ts') : null;
  const baseline = plain
    ? { url: `${plain.url}/ingest`, pid: plain.pid }
    : (options.baseline as { url: string; pid: number });
  try {
    return await measureFerry(dir, options, { baseline, plan });
  } finally {
    plain?.stop();
  }
}

/** {@link ferryProcessLoad}'s Ferry server, beside `baseline`. */
async function measureFerry(
  dir: string,
  options: LoadOptions,
  { baseline, plan }: { baseline: { url: string; pid: number }; plan: Plan },
) {
  // No rate limit here: every autocannon connection comes from the same loopback address.
  const ferry = await startFerryServer({
    env: {
      FERRY_TELEMETRY_RATE_PER_MINUTE: '0',
      FERRY_TELEMETRY_DURABILITY: options.durability,
      FERRY_TELEMETRY_INGEST_THREAD: options.ingestThread ?? 'auto',
    },
  });
  try {
    const published = await publishOverHttp(ferry.url, ferry.adminToken, dir);
    if (published.status !== 200) throw new Error(`publish failed: ${JSON.stringify(published.body)}`);
    const urls = { ferry: `${ferry.url}/api/v1/telemetry`, baseline: baseline.url };
    await alternateLoads(urls, postOptions, { rounds: 2, seconds: settings.warmupSeconds });
    const pids = { ferry: ferry.child.pid as number, baseline: baseline.pid };
    const before = { ferry: cpuTimeOf(pids.ferry), baseline: cpuTimeOf(pids.baseline) };
    await loadRounds(urls, postOptions, plan);
    const spent = {
      ferry: cpuSince(pids.ferry, before.ferry),
      baseline: cpuSince(pids.baseline, before.baseline),
    };
    return { urls, spent };
  } finally {
    await ferry.stop();
  }
}
