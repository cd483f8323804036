import { env, pipeline } from '@huggingface/transformers';
import type { TextClassificationPipeline } from '@huggingface/transformers';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundlePath, modelsDir, readBundleJson, readManifest } from '../lib/bundle-files.ts';
import { argmax, batches, readJsonl, type Metrics } from '../lib/inference.ts';
import { ClassificationExpected, SampleSet } from '$shared/schemas/samples.ts';

const bundle = 'debian-sections';
const manifest = readManifest(bundle);
const labels = manifest.labels ?? [];
const metrics = readBundleJson<Metrics>(bundle, 'metrics.json');
const heldOut = readJsonl<{ text: string; label: string; input_ids: number[] }>(bundle, metrics.heldOut.file);

// Local files only, exactly as the bundle folder holds them (transformers.js runs onnxruntime-node here).
env.allowRemoteModels = false;
env.allowLocalModels = true;
env.localModelPath = `${modelsDir}/`;

let classify: TextClassificationPipeline;

beforeAll(async () => {
  classify = (await pipeline('text-classification', bundle, { dtype: 'q8' })) as TextClassificationPipeline;
}, 60_000);
afterAll(() => classify?.dispose());

/** Scores for every label, in label order, for one text. */
async function scores(text: string): Promise<number[]> {
  const out = (await classify(text, { top_k: labels.length })) as { label: string; score: number }[];
  return labels.map((l) => out.find((o) => o.label === l)?.score ?? Number.NaN);
}

describe('debian-sections bundle', () => {
  it('is a BERT in Hugging Face layout whose labels match ferry.json', () => {
    const config = readBundleJson<{ model_type: string; id2label: Record<string, string> }>(
      bundle,
      'config.json',
    );
    expect(config.model_type).toBe('bert');
    expect(labels.map((_, i) => config.id2label[String(i)])).toEqual(labels);
    const tok = JSON.parse(readFileSync(bundlePath(bundle, 'tokenizer.json'), 'utf8')) as Record<
      string,
      { type: string }
    >;
    expect([
      tok.normalizer?.type,
      tok.pre_tokenizer?.type,
      tok.model?.type,
      tok.post_processor?.type,
    ]).toEqual(['BertNormalizer', 'BertPreTokenizer', 'WordPiece', 'TemplateProcessing']);
  });

  it('tokenizes every held-out text to the ids the training script used', () => {
    const mismatched = heldOut.filter(
      (row) =>
        classify.tokenizer(row.text, { truncation: true }).input_ids.tolist()[0].map(Number).join() !==
        row.input_ids.join(),
    );
    expect(mismatched.map((r) => r.text.slice(0, 60))).toEqual([]);
  }, 30_000);

  it('tokenizes Unicode edge cases (accents, CJK, control characters, odd spaces) as training did', () => {
    const cases = readJsonl<{ text: string; input_ids: number[] }>(bundle, 'tokenizer-cases.jsonl');
    expect(cases.length).toBeGreaterThan(5);
    for (const row of cases) {
      const ids = classify.tokenizer(row.text, { truncation: true }).input_ids.tolist()[0].map(Number);
      expect(ids, JSON.stringify(row.text)).toEqual(row.input_ids);
    }
  });

  it('reproduces every sample output with transformers.js from the local folder', async () => {
    const { samples } = SampleSet.parse(readBundleJson(bundle, 'samples.json'));
    for (const sample of samples) {
      if (!('text' in sample.input)) throw new Error(`${sample.id}: no text input`);
      const expected = ClassificationExpected.parse(sample.expected);
      const probs = await scores(sample.input.text);
      expect(labels[argmax(probs)], sample.id).toBe(expected.label);
      probs.forEach((p, i) =>
        expect(Math.abs(p - (expected.probabilities[i] as number)), sample.id).toBeLessThan(2e-3),
      );
    }
  }, 30_000);

  it('reaches the held-out accuracy its README claims, within 0.5 points', async () => {
    expect(heldOut).toHaveLength(metrics.heldOut.count);
    // Batches of texts of about the same length: a batch is padded to its longest text, and with
    // the file's order most of the work was padding. Attention masks keep padding out of the scores.
    const byLength = [...heldOut].sort((a, b) => a.input_ids.length - b.input_ids.length);
    let correct = 0;
    for (const [start, end] of batches(byLength.length, 32)) {
      const rows = byLength.slice(start, end);
      const top = (await classify(rows.map((r) => r.text))) as { label: string }[];
      correct += rows.filter((r, i) => top[i]?.label === r.label).length;
    }
    const accuracy = (100 * correct) / heldOut.length;
    expect(Math.abs(accuracy - metrics.accuracy)).toBeLessThanOrEqual(0.5);
  }, 60_000);
});
