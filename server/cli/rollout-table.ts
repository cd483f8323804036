import type { RolloutComparison, VersionTelemetry } from '$shared';
import { table } from './drift.ts';

type Side = VersionTelemetry | null;

const ms = (value: number | null | undefined) =>
  value === null || value === undefined ? '–' : `${+value.toFixed(2)} ms`;
const share = (value: number | null | undefined) =>
  value === null || value === undefined ? '–' : `${+(value * 100).toFixed(2)}%`;

/** `count (rate)` of one error code; a code a side never reported is 0 of its runs. */
function errorCell(side: VersionTelemetry, code: string): string {
  const key = code as keyof VersionTelemetry['errors'];
  return `${side.errors[key] ?? 0} (${share(side.errorRate[key] ?? (side.runs > 0 ? 0 : null))})`;
}

/** The union of the keys of a record field over both sides, sorted. */
function keysOf(sides: readonly Side[], field: (side: VersionTelemetry) => object): string[] {
  return [...new Set(sides.flatMap((side) => (side ? Object.keys(field(side)) : [])))].sort();
}

/**
 * `rollouts.compare` as a table with the stable version and the candidate in two columns: runs,
 * error rate per code, latency p50/p95 per backend, cold and warm loads (`ferry rollout status`).
 */
export function formatComparison(comparison: RolloutComparison): string[] {
  const { stable, candidate } = comparison;
  const sides = [stable, candidate] as const;
  const cell = (side: Side, value: (side: VersionTelemetry) => string) => (side ? value(side) : '–');
  const row = (label: string, value: (side: VersionTelemetry) => string) => [
    label,
    ...sides.map((side) => cell(side, value)),
  ];
  const header = [
    '',
    stable ? `stable ${stable.version}` : 'stable (none)',
    candidate ? `candidate ${candidate.version}` : 'candidate (none)',
  ];
  const rows = [
    header,
    row('runs', (s) => String(s.runs)),
    row('batches', (s) => String(s.batches)),
    ...keysOf(sides, (s) => s.errors).map((code) => row(`errors ${code}`, (s) => errorCell(s, code))),
    ...keysOf(sides, (s) => s.latencyMs).flatMap((backend) => [
      row(`latency ${backend} p50`, (s) => ms(s.latencyMs[backend]?.p50)),
      row(`latency ${backend} p95`, (s) => ms(s.latencyMs[backend]?.p95)),
    ]),
    row('loads cold / warm', (s) => `${s.loads.cold} / ${s.loads.warm}`),
    row('load p50 / p95', (s) => `${ms(s.loads.p50Ms)} / ${ms(s.loads.p95Ms)}`),
  ];
  const range = `telemetry from ${comparison.since} to ${comparison.until}`;
  return [range, ...table(rows).map((line) => `  ${line}`)];
}
