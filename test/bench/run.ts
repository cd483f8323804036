// `npm run bench`: runs every benchmark and writes test/bench/results/results.{json,md}.
// Speed goals are checked here, by people reading the numbers, never by timed test assertions.
import path from 'node:path';
import { ensureBuild } from '../../server/build/ensure-build.ts';
import { deliveryBenchmark } from './delivery.ts';
import { driftBenchmark } from './drift.ts';
import { writeResults, type BenchResult } from './report.ts';
import { runtimeBenchmark } from './runtime.ts';

const root = path.resolve(import.meta.dirname, '..', '..');
ensureBuild(root);

const benchmarks: (() => Promise<BenchResult>)[] = [deliveryBenchmark, runtimeBenchmark, driftBenchmark];
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
const written = writeResults(path.join(root, 'test', 'bench', 'results'), results);
console.log(`\nwrote ${written.map((file) => path.relative(root, file)).join(' and ')}`);
