import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as ort from 'onnxruntime-node';
import { readBundleJson, readManifest } from '../lib/bundle-files.ts';
import { argmax, openSession, readJsonl, runFloat, type Metrics } from '../lib/inference.ts';
import { softmax } from '$shared/stats/softmax.ts';
import { ClassificationExpected, SampleSet } from '$shared/schemas/samples.ts';

const bundle = 'digits';
const manifest = readManifest(bundle);
const labels = manifest.labels ?? [];
let session: ort.InferenceSession;

beforeAll(async () => {
  session = await openSession(bundle);
});
afterAll(() => session.release());

describe('digits bundle', () => {
  it('maps a canvas pixel to the 0–16 ink scale the model was trained on', () => {
    const pre = manifest.preprocessing;
    expect(pre.kind).toBe('image');
    if (pre.kind !== 'image') return;
    // white paper (255) → 0 ink; black ink (0) → 16, the dataset's full ink.
    const toInk = (gray: number) => (pre.invert ? 255 - gray : gray) * pre.scale;
    expect(toInk(255)).toBeCloseTo(0, 6);
    expect(toInk(0)).toBeCloseTo(16, 6);
    for (const sample of SampleSet.parse(readBundleJson(bundle, 'samples.json')).samples) {
      if (!('gray' in sample.input)) throw new Error('digits samples carry gray + pixels');
      const pixels = sample.input.pixels.flat();
      sample.input.gray.flat().forEach((g, i) => expect(toInk(g)).toBeCloseTo(pixels[i] as number, 4));
    }
  });

  it('reproduces every sample output with onnxruntime-node', async () => {
    const { samples } = SampleSet.parse(readBundleJson(bundle, 'samples.json'));
    for (const sample of samples) {
      if (!('pixels' in sample.input)) throw new Error(`${sample.id}: no pixels input`);
      const expected = ClassificationExpected.parse(sample.expected);
      const data = Float32Array.from(sample.input.pixels.flat());
      const logits = await runFloat(session, { name: 'pixels', data, dims: [1, 1, 8, 8] }, 'logits');
      const probs = softmax(logits);
      expect(labels[argmax(probs)], sample.id).toBe(expected.label);
      probs.forEach((p, i) => expect(p).toBeCloseTo(expected.probabilities[i] as number, 4));
    }
  });

  it('reaches the held-out accuracy its README claims, within 0.5 points', async () => {
    const metrics = readBundleJson<Metrics>(bundle, 'metrics.json');
    const rows = readJsonl<{ pixels: number[]; label: string }>(bundle, metrics.heldOut.file);
    expect(rows).toHaveLength(metrics.heldOut.count);
    const data = Float32Array.from(rows.flatMap((r) => r.pixels));
    const logits = await runFloat(session, { name: 'pixels', data, dims: [rows.length, 1, 8, 8] }, 'logits');
    const correct = rows.filter((r, i) => labels[argmax(logits.subarray(i * 10, i * 10 + 10))] === r.label);
    const accuracy = (100 * correct.length) / rows.length;
    expect(Math.abs(accuracy - metrics.accuracy)).toBeLessThanOrEqual(0.5);
  });

  it('describes its held-out set in the reference profile', () => {
    const metrics = readBundleJson<Metrics>(bundle, 'metrics.json');
    expect(manifest.reference?.sampleCount).toBe(metrics.heldOut.count);
    const counts = manifest.reference?.predictions?.counts ?? [];
    expect(counts.reduce((a, b) => a + b, 0)).toBe(metrics.heldOut.count);
    for (const feature of manifest.reference?.features ?? []) {
      if (feature.kind !== 'numeric') continue;
      expect(
        feature.counts.reduce((a, b) => a + b, 0),
        feature.name,
      ).toBe(metrics.heldOut.count);
    }
  });
});
