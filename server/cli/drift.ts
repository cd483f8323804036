import { Command, InvalidArgumentError } from 'commander';
import type { FeatureDrift } from '$shared/schemas/drift.ts';
import type { VersionDriftReport } from '../drift/report.ts';
import { callServer } from './client.ts';
import { connectionOf, output, withConnection } from './options.ts';

const UNITS_MS: Record<string, number> = { m: 60_000, h: 3600_000, d: 24 * 3600_000 };

/**
 * An instant from a command-line value: a duration back from `now` (`90m`, `1h`, `24h`, `7d`) or
 * an ISO 8601 date-time with its offset (`2026-12-01T08:00:00Z`).
 */
export function parseInstant(value: string, now: Date = new Date()): Date {
  const duration = /^(\d{1,6})([mhd])$/.exec(value);
  if (duration)
    return new Date(now.getTime() - Number(duration[1]) * (UNITS_MS[duration[2] as string] as number));
  if (/^\d{4}-\d{2}-\d{2}T[\d:.]+(Z|[+-]\d{2}:\d{2})$/.test(value) && !Number.isNaN(Date.parse(value))) {
    return new Date(value);
  }
  throw new InvalidArgumentError(
    `"${value}" is neither a duration (30m, 1h, 24h, 7d) nor an ISO date-time with offset`,
  );
}

function formatNumber(value: number | null): string {
  if (value === null) return '—';
  if (value === 0) return '0';
  return Math.abs(value) < 1e-3 ? value.toExponential(2) : String(Number(value.toPrecision(4)));
}

const STATUS: Record<FeatureDrift['status'], string> = {
  drifted: 'DRIFTED',
  not_drifted: 'ok',
  insufficient_data: 'insufficient data',
};

function row(feature: FeatureDrift): string[] {
  return [
    feature.name,
    feature.method,
    formatNumber(feature.statistic),
    formatNumber(feature.threshold),
    formatNumber(feature.pValue),
    String(feature.liveCount),
    STATUS[feature.status],
  ];
}

/** Left-aligned columns two spaces apart. */
export function table(rows: readonly string[][]): string[] {
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((r) => (r[column] ?? '').length))) ?? [];
  return rows.map((r) =>
    r
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd(),
  );
}

/**
 * The report as text: a header with the version, range and what was summed; one row per feature
 * (method, statistic, threshold, p-value for tests, live samples, status), the predictions' row,
 * and the share of features that drifted among those with a verdict.
 */
export function formatDriftReport(result: VersionDriftReport): string[] {
  const { report } = result;
  const header = ['feature', 'method', 'statistic', 'threshold', 'p-value', 'live n', 'status'];
  const rows = table([
    header,
    ...report.features.map(row),
    ...(report.predictions ? [row(report.predictions)] : []),
  ]);
  const lines = [
    `${result.model}@${result.version}  ${result.since} → ${result.until}  ${result.batches} batches, ${result.runs} runs`,
    '',
    ...rows.slice(0, report.features.length + 1),
    '',
    // The predictions row shares the features' columns, so the numbers line up.
    report.predictions
      ? (rows[report.features.length + 1] as string)
      : 'predictions: the reference profile has none',
  ];
  const { drifted, notDrifted, insufficientData, driftedShare } = report.summary;
  lines.push(
    '',
    driftedShare === null
      ? `drifted: no feature has enough data for a verdict (${insufficientData} insufficient)`
      : `drifted: ${drifted} of ${drifted + notDrifted} features with a verdict (${Math.round(driftedShare * 100)}%)` +
          (insufficientData > 0 ? `, ${insufficientData} with insufficient data` : ''),
  );
  return lines;
}

const instant = (value: string) => parseInstant(value);

/** `ferry drift <model> [--version v] [--since 1h|24h|ISO] [--until …]`. */
export function driftCommand(): Command {
  return withConnection(new Command('drift'))
    .description('drift of a model version against its reference profile (scope: read)')
    .argument('<model>', 'model name')
    .option('--version <version>', 'exact version (default: latest)')
    .option(
      '--since <when>',
      'start: a duration back from now (30m, 1h, 24h, 7d) or an ISO date-time (default: 24h)',
      instant,
    )
    .option(
      '--until <when>',
      'end (exclusive): a duration back from now or an ISO date-time (default: now)',
      instant,
    )
    .action(
      async (
        model: string,
        options: {
          server?: string;
          token?: string;
          json?: boolean;
          version?: string;
          since?: Date;
          until?: Date;
        },
      ) => {
        const connection = connectionOf(options);
        const result = await callServer(connection, (client) =>
          client.drift.report.query({
            model,
            version: options.version,
            since: options.since?.toISOString(),
            until: options.until?.toISOString(),
          }),
        );
        output(options.json, result, () => formatDriftReport(result));
      },
    );
}
