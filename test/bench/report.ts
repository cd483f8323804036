import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** One row of a benchmark table: a named measurement of Ferry next to its baseline. */
export interface BenchRow {
  metric: string;
  unit: string;
  ferry: number;
  baseline: number;
  /**
   * ferry / baseline; above 1 is better for throughput, worse for latency (see `better`). Null
   * when the baseline is 0 (e.g. a latency below autocannon's 1 ms resolution): no ratio exists.
   */
  ratio: number | null;
  better: 'higher' | 'lower';
}

/** A finished benchmark with its settings and rows. */
export interface BenchResult {
  name: string;
  description: string;
  baseline: string;
  settings: Record<string, string | number>;
  rows: BenchRow[];
}

/** The median of `values` (the mean of the middle two when their count is even); NaN when empty. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** The arithmetic mean of `values`; NaN when empty. */
export function mean(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

/** The `p`th percentile (0–100) of ascending `sorted` by the nearest-rank-below rule; 0 when empty. */
export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? 0;
}

/** Builds a row, computing the ratio. */
export function row(metric: string, values: Omit<BenchRow, 'metric' | 'ratio'>): BenchRow {
  return { metric, ...values, ratio: values.baseline === 0 ? null : values.ferry / values.baseline };
}

/** The p50 and p99 rows of `label`'s latency in ms (lower is better), e.g. "ack latency p50". */
export function latencyRows(
  label: string,
  ferry: { p50: number; p99: number },
  baseline: { p50: number; p99: number },
): BenchRow[] {
  return (['p50', 'p99'] as const).map((q) =>
    row(`${label} ${q}`, { unit: 'ms', ferry: ferry[q], baseline: baseline[q], better: 'lower' }),
  );
}

function fmt(value: number): string {
  return value >= 100 ? value.toFixed(0) : value >= 1 ? value.toFixed(2) : value.toFixed(3);
}

function markdown(results: readonly BenchResult[], machine: Record<string, string | number>): string {
  const lines = [
    `# Ferry benchmarks`,
    '',
    `Run ${machine.date} on ${machine.cpus}× ${machine.cpu}, Node ${machine.node}.`,
    '',
  ];
  if (machine.only)
    lines.push(`That run measured only: ${machine.only}; the other sections are from earlier runs.`, '');
  for (const result of results) {
    lines.push(`## ${result.name}`, '', result.description, '', `Baseline: ${result.baseline}.`, '');
    lines.push(
      `Settings: ${Object.entries(result.settings)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}.`,
      '',
    );
    lines.push(
      '| metric | unit | Ferry | baseline | Ferry / baseline | better |',
      '| --- | --- | ---: | ---: | ---: | --- |',
    );
    for (const r of result.rows) {
      lines.push(
        `| ${r.metric} | ${r.unit} | ${fmt(r.ferry)} | ${fmt(r.baseline)} | ${r.ratio === null ? '—' : r.ratio.toFixed(2)} | ${r.better} |`,
      );
    }
    lines.push('');
  }
  return lines.join('\n');
}

/**
 * Writes `results` as `<dir>/results.json` and `<dir>/results.md`; returns the two paths. `only`
 * names the sections this run measured when the others come from earlier runs.
 */
export function writeResults(
  dir: string,
  results: readonly BenchResult[],
  only?: readonly string[],
): string[] {
  const machine = {
    ...(only ? { only: only.join(', ') } : {}),
    date: new Date().toISOString(),
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cpus: os.cpus().length,
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
  };
  mkdirSync(dir, { recursive: true });
  const json = path.join(dir, 'results.json');
  const md = path.join(dir, 'results.md');
  writeFileSync(json, `${JSON.stringify({ machine, results }, null, 2)}\n`);
  writeFileSync(md, `${markdown(results, machine)}\n`);
  return [json, md];
}

/**
 * The results already in `<dir>/results.json` with each of `fresh` replacing the one of the same
 * name (or added at the end): what a partial run (`--only`) writes back.
 */
export function mergeResults(dir: string, fresh: readonly BenchResult[]): BenchResult[] {
  const file = path.join(dir, 'results.json');
  const previous = existsSync(file)
    ? (JSON.parse(readFileSync(file, 'utf8')) as { results: BenchResult[] }).results
    : [];
  const byName = new Map(fresh.map((result) => [result.name, result]));
  const merged = previous.map((result) => byName.get(result.name) ?? result);
  const kept = new Set(merged.map((result) => result.name));
  return [...merged, ...fresh.filter((result) => !kept.has(result.name))];
}
