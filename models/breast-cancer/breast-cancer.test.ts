import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as ort from 'onnxruntime-node';
import { readBundleJson, readManifest } from '../lib/bundle-files.ts';
import { argmax, openSession, readJsonl, runFloat, type Metrics } from '../lib/inference.ts';
import { ClassificationExpected, SampleSet } from '$shared/schemas/samples.ts';

const bundle = 'breast-cancer';
const manifest = readManifest(bundle);
const labels = manifest.labels ?? [];
const pre = manifest.preprocessing;
if (pre.kind !== 'tabular') throw new Error('breast-cancer preprocessing must be tabular');
const features = pre.features;
let session: ort.InferenceSession;

beforeAll(async () => {
  session = await openSession(bundle);
});
afterAll(() => session.release());

describe('breast-cancer bundle', () => {
  it('declares 30 named features whose defaults lie within their ranges', () => {
    expect(features).toHaveLength(30);
    expect(new Set(features.map((f) => f.name)).size).toBe(30);
    for (const f of features) {
      expect(f.min, f.name).toBeLessThan(f.max);
      expect(f.default, f.name).toBeGreaterThanOrEqual(f.min);
      expect(f.default, f.name).toBeLessThanOrEqual(f.max);
    }
    const profiled = manifest.reference?.features.map((f) => f.name);
    expect(profiled).toEqual(features.map((f) => f.name));
  });

  it('reproduces every sample output with onnxruntime-node, features fed by name', async () => {
    const { samples } = SampleSet.parse(readBundleJson(bundle, 'samples.json'));
    for (const sample of samples) {
      if (!('features' in sample.input)) throw new Error(`${sample.id}: no features input`);
      const expected = ClassificationExpected.parse(sample.expected);
      const byName = sample.input.features;
      const data = Float32Array.from(features.map((f) => byName[f.name] ?? Number.NaN));
      expect(data.some(Number.isNaN), `${sample.id} names every feature`).toBe(false);
      const probs = await runFloat(session, { name: 'features', data, dims: [1, 30] }, 'probabilities');
      expect(labels[argmax(probs)], sample.id).toBe(expected.label);
      Array.from(probs).forEach((p, i) => expect(p).toBeCloseTo(expected.probabilities[i] as number, 4));
    }
  });

  it('reaches the held-out accuracy its README claims, within 0.5 points', async () => {
    const metrics = readBundleJson<Metrics>(bundle, 'metrics.json');
    const rows = readJsonl<{ features: number[]; label: string }>(bundle, metrics.heldOut.file);
    expect(rows).toHaveLength(metrics.heldOut.count);
    const data = Float32Array.from(rows.flatMap((r) => r.features));
    const probs = await runFloat(
      session,
      { name: 'features', data, dims: [rows.length, 30] },
      'probabilities',
    );
    const correct = rows.filter((r, i) => labels[argmax(probs.subarray(i * 2, i * 2 + 2))] === r.label);
    const accuracy = (100 * correct.length) / rows.length;
    expect(Math.abs(accuracy - metrics.accuracy)).toBeLessThanOrEqual(0.5);
  });
});
