import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BundleManifest } from '$shared';
import { removeTempDir } from '../support/bundles.ts';
import { runFerryCli } from '../support/ferry-cli.ts';
import { useFerryServer } from '../support/use-ferry-server.ts';

const root = path.resolve(import.meta.dirname, '..', '..');
const server = useFerryServer();
let folder: string;

beforeAll(() => {
  // A transformers.js folder as a team would download it: the example's files without its ferry.json.
  folder = mkdtempSync(path.join(tmpdir(), 'ferry-hf-'));
  const source = path.join(root, 'models/debian-sections');
  for (const file of ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx']) {
    cpSync(path.join(source, file), path.join(folder, file), { recursive: true });
  }
});
afterAll(() => removeTempDir(folder));

describe('ferry init', () => {
  it('makes a text-classification bundle of a Hugging Face folder that publishes unchanged', async () => {
    const init = await runFerryCli(['init', folder, '--name', 'sections', '--json']);
    expect(init.code, init.stdout + init.stderr).toBe(0);
    expect(JSON.parse(init.stdout)).toMatchObject({
      written: ['ferry.json', 'samples.json', 'reference.skeleton.json'],
    });
    const manifest = BundleManifest.parse(JSON.parse(readFileSync(path.join(folder, 'ferry.json'), 'utf8')));
    const example = JSON.parse(readFileSync(path.join(root, 'models/debian-sections/ferry.json'), 'utf8'));
    expect(manifest).toMatchObject({
      task: 'text-classification',
      labels: example.labels,
      runtime: { executionProviders: ['wasm'], dtype: 'q8' },
      preprocessing: { kind: 'text' },
      postprocessing: { kind: 'softmax', output: 'logits' },
      signature: example.signature,
    });
    expect(manifest.files.map((f) => [f.path, f.role])).toEqual([
      ['onnx/model_quantized.onnx', 'onnx'],
      ['config.json', 'config'],
      ['tokenizer.json', 'tokenizer'],
      ['tokenizer_config.json', 'tokenizer-config'],
      ['samples.json', 'sample'],
    ]);
    const published = await runFerryCli([
      'publish',
      folder,
      '--server',
      server().url,
      '--token',
      server().adminToken,
    ]);
    expect(published.code, published.stderr).toBe(0);
    expect(published.stdout).toContain('published sections@0.1.0');
  });

  it('never overwrites a ferry.json without --force', async () => {
    const before = readFileSync(path.join(folder, 'ferry.json'), 'utf8');
    const again = await runFerryCli(['init', folder]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('ferry.json: already exists (use --force to overwrite it)');
    expect(readFileSync(path.join(folder, 'ferry.json'), 'utf8')).toBe(before);
    const forced = await runFerryCli(['init', folder, '--name', 'sections-two', '--force']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(JSON.parse(readFileSync(path.join(folder, 'ferry.json'), 'utf8')).name).toBe('sections-two');
  });

  it('refuses a file that is not ONNX with ONNX_INVALID, writing nothing', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ferry-not-onnx-'));
    try {
      cpSync(path.join(root, 'models/digits/README.md'), path.join(dir, 'model.onnx'));
      const run = await runFerryCli(['init', path.join(dir, 'model.onnx'), '--json']);
      expect(run.code).toBe(3);
      expect(JSON.parse(run.stdout).error).toMatchObject({
        code: 'ONNX_INVALID',
        details: { file: 'model.onnx' },
      });
      expect(existsSync(path.join(dir, 'ferry.json'))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
