import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '../../shared/stats/random.ts';
import type { VersionDriftReport } from '../../server/drift/report.ts';
import type { HarnessInput } from './support/harness.ts';
import { root, startStack, type Stack } from './support/stack.ts';
import { drained, driftReportOf } from './support/telemetry.ts';

const bundle = path.join(root, 'models/breast-cancer');
const manifest = JSON.parse(readFileSync(path.join(bundle, 'ferry.json'), 'utf8')) as {
  version: string;
  preprocessing: { features: { name: string }[] };
  reference: { features: { name: string; std: number }[] };
};
// The held-out rows the reference profile was computed from (models/breast-cancer/train.py).
const heldOut = readFileSync(path.join(bundle, 'heldout.jsonl'), 'utf8')
  .trim()
  .split('\n')
  .map((line) => (JSON.parse(line) as { features: number[] }).features);
const names = manifest.preprocessing.features.map((f) => f.name);
const std = new Map(manifest.reference.features.map((f) => [f.name, f.std]));
const RUNS = 1000;
// Two features that move the model's answer when they grow: 3 reference σ each.
const SHIFTED = ['worst_radius', 'worst_concave_points'];
const SHIFTED_VERSION = '1.1.1';

/**
 * `RUNS` inputs drawn like the reference: held-out rows picked at random with replacement
 * (seeded), with `shift` reference standard deviations added to the features named there.
 */
function inputs(seed: number, shift: Record<string, number> = {}): HarnessInput[] {
  const random = mulberry32(seed);
  return Array.from({ length: RUNS }, () => {
    const row = heldOut[Math.floor(random() * heldOut.length)] as number[];
    const values = Object.fromEntries(
      names.map((name, i) => [name, (row[i] as number) + (shift[name] ?? 0) * (std.get(name) ?? 0)]),
    );
    return { kind: 'tabular', values };
  });
}

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
  await stack.publish(bundle);
  // The same model as a second version, so that the shifted runs have a report of their own.
  await stack.publishVariant(bundle, (m) => void (m.version = SHIFTED_VERSION));
});
afterAll(() => stack?.close());

const driftReport = (version: string) => driftReportOf(stack.server, { model: 'breast-cancer', version });

const drifted = (report: VersionDriftReport) =>
  report.report.features.filter((f) => f.status === 'drifted').map((f) => f.name);

describe('drift from telemetry of the real model in the browser (breast-cancer)', () => {
  beforeAll(async () => {
    const { h } = stack;
    await h.open('d', stack.clientOptions());
    expect(
      (await h.load('d', 'breast-cancer', { version: manifest.version, key: 'like' })).error,
    ).toBeUndefined();
    expect(
      (await h.load('d', 'breast-cancer', { version: SHIFTED_VERSION, key: 'shifted' })).error,
    ).toBeUndefined();
    expect(await h.runEach('like', inputs(1))).toBe(RUNS);
    const shift = Object.fromEntries(SHIFTED.map((name) => [name, 3]));
    expect(await h.runEach('shifted', inputs(2, shift))).toBe(RUNS);
    await h.flushTelemetry('d');
    await drained(h, 'd');
  }, 240_000);

  it('finds no drift in runs drawn like the reference', async () => {
    const report = await driftReport(manifest.version);
    expect(report.runs).toBe(RUNS);
    expect(report.report.features.every((f) => f.liveCount === RUNS)).toBe(true);
    expect(drifted(report)).toEqual([]);
    expect(report.report.predictions?.status).toBe('not_drifted');
  });

  it('flags exactly the two shifted features, and the predictions they move', async () => {
    const report = await driftReport(SHIFTED_VERSION);
    expect(report.runs).toBe(RUNS);
    expect(drifted(report).sort()).toEqual([...SHIFTED].sort());
    expect(report.report.summary).toMatchObject({ drifted: 2, notDrifted: 28 });
    expect(report.report.predictions?.status).toBe('drifted');
  });
});
