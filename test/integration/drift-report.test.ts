import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { binIndex } from '$shared/features/bin-index.ts';
import { mulberry32, type Random } from '$shared/stats/random.ts';
import type { BundleManifest, ReferenceProfile } from '$shared';
import type { VersionDriftReport } from '../../server/drift/report.ts';
import { minuteOf, telemetryBatch } from '../../server/testing/telemetry-batch.ts';
import { tinyDir } from '../../server/testing/tiny-bundle.ts';
import { publishWithCli, runFerryCli } from '../support/ferry-cli.ts';
import { callTrpc } from '../support/registry-http.ts';
import { useFerryServer } from '../support/use-ferry-server.ts';

const bundleDir = path.resolve(import.meta.dirname, '..', '..', 'models', 'breast-cancer');
const manifest = JSON.parse(readFileSync(path.join(bundleDir, 'ferry.json'), 'utf8')) as BundleManifest;
const reference = manifest.reference as ReferenceProfile;
type NumericProfile = Extract<ReferenceProfile['features'][number], { kind: 'numeric' }>;
const features = reference.features as NumericProfile[];

// Two features a larger tumour moves: both are shifted by one reference standard deviation.
const SHIFTED = ['mean_radius', 'worst_area'];

const server = useFerryServer({ env: { FERRY_TELEMETRY_RATE_PER_MINUTE: '0' } });
let readToken = '';
let metadataVersion = 1;

/** An index drawn with chances proportional to `weights`. */
function draw(random: Random, weights: readonly number[]): number {
  let total = 0;
  for (const w of weights) total += w;
  let left = random() * total;
  for (let i = 0; i < weights.length; i++) {
    left -= weights[i] as number;
    if (left < 0) return i;
  }
  return weights.length - 1;
}

/**
 * One input drawn like the reference: per feature a bin chosen by the reference counts and a value
 * uniform within it, plus `shift` reference standard deviations for the features named there.
 */
function sampleInput(random: Random, shift: Record<string, number>): Map<string, number> {
  const input = new Map<string, number>();
  for (const feature of features) {
    const bin = draw(random, feature.counts);
    const low = feature.edges[bin] as number;
    const high = feature.edges[bin + 1] as number;
    input.set(feature.name, low + random() * (high - low) + (shift[feature.name] ?? 0) * (feature.std ?? 0));
  }
  return input;
}

/**
 * A batch of `runs` inputs as the device would report them: each feature's values binned on the
 * reference edges with under/overflow (the worker's binIndex), and top-1 labels drawn with
 * `labelShares` (the reference's shares unless shifted).
 */
function batchOf(options: {
  random: Random;
  runs: number;
  minute: Date;
  shift?: Record<string, number>;
  labelShares?: readonly number[];
}) {
  const counts = features.map((f) => new Array<number>(f.edges.length + 1).fill(0));
  const labels = new Array<number>(reference.predictions?.labels.length ?? 0).fill(0);
  for (let run = 0; run < options.runs; run++) {
    const input = sampleInput(options.random, options.shift ?? {});
    features.forEach((feature, i) => {
      (counts[i] as number[])[binIndex(feature.edges, input.get(feature.name) as number)]! += 1;
    });
    labels[draw(options.random, options.labelShares ?? reference.predictions?.counts ?? [])]! += 1;
  }
  const minute = minuteOf(options.minute);
  return telemetryBatch({
    model: 'breast-cancer',
    version: manifest.version,
    metadataVersion,
    runs: options.runs,
    windowStart: minute,
    windowEnd: minute,
    features: features.map((feature, i) => ({ name: feature.name, counts: counts[i] as number[] })),
    predictions: {
      counts: labels,
      topScore: telemetryBatch({ runs: options.runs }).predictions?.topScore ?? [],
    },
  });
}

async function postBatch(batch: unknown): Promise<Response> {
  return fetch(`${server().url}/api/v1/telemetry`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(batch),
  });
}

/** Posts `batches` batches of `runs` runs each, all in the minute `minutesAgo` before now. */
async function report(options: {
  seed: number;
  minutesAgo: number;
  batches: number;
  runs: number;
  shift?: Record<string, number>;
  labelShares?: readonly number[];
}) {
  const random = mulberry32(options.seed);
  const minute = new Date(Date.now() - options.minutesAgo * 60_000);
  for (let i = 0; i < options.batches; i++) {
    const response = await postBatch(batchOf({ ...options, random, minute }));
    expect(response.status, await response.clone().text()).toBe(200);
    expect(await response.json()).toEqual({ status: 'accepted' });
  }
}

/** `ferry drift breast-cancer` over the 20 minutes around `minutesAgo`, as JSON and as the table. */
async function driftAround(minutesAgo: number) {
  const args = ['drift', 'breast-cancer', '--since', `${minutesAgo + 10}m`, '--until', `${minutesAgo - 10}m`];
  const env = { FERRY_SERVER: server().url, FERRY_TOKEN: readToken };
  const json = await runFerryCli([...args, '--json'], env);
  expect(json.code, json.stderr).toBe(0);
  const table = await runFerryCli(args, env);
  expect(table.code, table.stderr).toBe(0);
  return { result: JSON.parse(json.stdout) as VersionDriftReport, table: table.stdout };
}

const drifted = (result: VersionDriftReport) =>
  result.report.features.filter((f) => f.status === 'drifted').map((f) => f.name);

beforeAll(async () => {
  const published = await publishWithCli(server(), bundleDir);
  expect(published.code, published.stderr).toBe(0);
  const envelope = (await (
    await fetch(`${server().url}/api/v1/models/breast-cancer/versions/${manifest.version}/manifest`)
  ).json()) as { signed: { metadataVersion: number } };
  metadataVersion = envelope.signed.metadataVersion;
  const created = await callTrpc(server().url, 'tokens.create', {
    input: { name: 'drift reader', scopes: ['read'] },
    token: server().adminToken,
  });
  readToken = (created.body.result?.data as { token: string }).token;
  // Three separate stretches of telemetry, 60 minutes apart, so that each query sees one.
  await report({ seed: 1, minutesAgo: 180, batches: 1, runs: 10 });
  await report({ seed: 2, minutesAgo: 120, batches: 5, runs: 200 });
  await report({
    seed: 3,
    minutesAgo: 60,
    batches: 5,
    runs: 200,
    shift: Object.fromEntries(SHIFTED.map((name) => [name, 1])),
    labelShares: [0.7, 0.3],
  });
}, 120_000);

describe('drift report over telemetry ingested by HTTP (breast-cancer)', () => {
  it('finds no drift in 1,000 runs drawn like the reference', async () => {
    const { result, table } = await driftAround(120);
    expect(result).toMatchObject({
      model: 'breast-cancer',
      version: manifest.version,
      batches: 5,
      runs: 1000,
    });
    expect(result.report.features).toHaveLength(30);
    expect(result.report.features.every((f) => f.liveCount === 1000)).toBe(true);
    expect(drifted(result)).toEqual([]);
    expect(result.report.summary).toMatchObject({ drifted: 0, notDrifted: 30, driftedShare: 0 });
    expect(result.report.predictions?.status).toBe('not_drifted');
    expect(table).not.toContain('DRIFTED');
    expect(table).toContain('drifted: 0 of 30 features with a verdict (0%)');
  });

  it('flags exactly the two shifted features, and the predictions', async () => {
    const { result, table } = await driftAround(60);
    expect(result.runs).toBe(1000);
    expect(drifted(result)).toEqual(SHIFTED);
    expect(result.report.predictions).toMatchObject({ status: 'drifted', method: 'chi_square' });
    expect(result.report.summary).toMatchObject({ drifted: 2, notDrifted: 28 });
    const flagged = table.split('\n').filter((line) => line.endsWith('DRIFTED'));
    expect(flagged.map((line) => line.split(/\s+/)[0])).toEqual([...SHIFTED, 'predictions']);
    expect(table).toContain('drifted: 2 of 30 features with a verdict (7%)');
  });

  it('says insufficient data for 10 runs, and for a range without telemetry', async () => {
    for (const minutesAgo of [180, 240]) {
      const { result } = await driftAround(minutesAgo);
      expect(result.report.features.every((f) => f.status === 'insufficient_data')).toBe(true);
      expect(result.report.predictions?.status).toBe('insufficient_data');
      expect(result.report.summary.driftedShare).toBeNull();
    }
  });

  it('reads with a read or an admin token; a publish token is refused (exit 4)', async () => {
    const admin = await runFerryCli(['drift', 'breast-cancer', '--json'], {
      FERRY_SERVER: server().url,
      FERRY_TOKEN: server().adminToken,
    });
    expect(admin.code, admin.stderr).toBe(0);
    expect((JSON.parse(admin.stdout) as VersionDriftReport).runs).toBe(2010);
    const created = await callTrpc(server().url, 'tokens.create', {
      input: { name: 'publisher', scopes: ['publish'] },
      token: server().adminToken,
    });
    const publish = (created.body.result?.data as { token: string }).token;
    const refused = await runFerryCli(['drift', 'breast-cancer'], {
      FERRY_SERVER: server().url,
      FERRY_TOKEN: publish,
    });
    expect(refused.code).toBe(4);
    expect(refused.stderr).toContain('lacks the "read" scope');
  });

  it('exits 6 for an unknown model or version, 3 for a version without a reference, 2 for a bad --since', async () => {
    const env = { FERRY_SERVER: server().url, FERRY_TOKEN: readToken };
    expect((await runFerryCli(['drift', 'no-such-model'], env)).code).toBe(6);
    expect((await runFerryCli(['drift', 'breast-cancer', '--version', '9.9.9'], env)).code).toBe(6);
    expect((await publishWithCli(server(), tinyDir)).code).toBe(0);
    const noReference = await runFerryCli(['drift', 'tiny'], env);
    expect(noReference.code).toBe(3);
    expect(noReference.stderr).toContain('tiny@1.0.0 has no reference profile');
    const badSince = await runFerryCli(['drift', 'breast-cancer', '--since', 'yesterday'], env);
    expect(badSince.code).toBe(2);
    expect(badSince.stderr).toContain('"yesterday" is neither a duration');
    const empty = await runFerryCli(['drift', 'breast-cancer', '--since', '1h', '--until', '2h'], env);
    expect(empty.code).toBe(3);
    expect(empty.stderr).toMatch(/since: .* is not before until/);
  });
});
