// `npm run bench`: runs every benchmark and writes test/bench/results/results.{json,md}.
// `npx tsx test/bench/run.ts --only trpc-batch,drift` runs those only and keeps the other
// results already in the files.
// Speed goals are checked here, by people reading the numbers, never by timed test assertions.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ensureBuild } from '../../server/build/ensure-build.ts';
import { controlSwitchBenchmark } from './control-switch.ts';
import { deliveryBenchmark } from './delivery.ts';
import { driftBenchmark } from './drift.ts';
import { eventsBenchmark } from './events.ts';
import { ingestBenchmark } from './ingest.ts';
import { mergeResults, writeResults, type BenchResult } from './report.ts';
import { runtimeBenchmark } from './runtime.ts';
import { telemetryOverheadBenchmark } from './telemetry-overhead.ts';
import { trpcBatchBenchmark } from './trpc-batch.ts';
import { warmLoadBenchmark } from './warm-load.ts';

const root = path.resolve(import.meta.dirname, '..', '..');
ensureBuild(root);

const all: Record<string, () => Promise<BenchResult>> = {
  delivery: deliveryBenchmark,
  runtime: runtimeBenchmark,
  'telemetry-overhead': telemetryOverheadBenchmark,
  drift: driftBenchmark,
  ingest: ingestBenchmark,
  'trpc-batch': trpcBatchBenchmark,
  events: eventsBenchmark,
  'control-switch': controlSwitchBenchmark,
  'warm-load': warmLoadBenchmark,
};
const { only } = parseArgs({ options: { only: { type: 'string' } } }).values;
const names = only === undefined ? Object.keys(all) : only.split(',');
const unknown = names.filter((name) => !(name in all));
if (unknown.length > 0) {
  throw new Error(`--only: no benchmark ${unknown.join(', ')}; known: ${Object.keys(all).join(', ')}`);
}
const benchmarks = names.map((name) => all[name] as () => Promise<BenchResult>);
const results: BenchResult[] = [];
for (const benchmark of benchmarks) {
  const result = await benchmark();
  console.log(`\n${result.name}`);
  console.table(
    result.rows.map((r) => ({
      metric: r.metric,
      unit: r.unit,
      ferry: r.ferry,
      baseline: r.baseline,
      ratio: r.ratio,
    })),
  );
  results.push(result);
}
const dir = path.join(root, 'test', 'bench', 'results');
const written =
  only === undefined
    ? writeResults(dir, results)
    : writeResults(
        dir,
        mergeResults(dir, results),
        results.map((result) => result.name),
      );
console.log(`\nwrote ${written.map((file) => path.relative(root, file)).join(' and ')}`);
