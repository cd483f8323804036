import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ImageExtractor, NumericFeatureProfile } from '../schemas/reference-profile.ts';
import { SampleSet } from '../schemas/samples.ts';
import { binIndex } from './bin-index.ts';
import { FULL_INK, imageFeatures, inkGrid, type InkGrid } from './image-features.ts';

const root = path.resolve(import.meta.dirname, '..', '..');
const read = (file: string) => readFileSync(path.join(root, file), 'utf8');
/** Per-sample values from models/digits/reference.py (test/fixtures/features/make-reference-values.py). */
const reference = (
  JSON.parse(read('test/fixtures/features/reference-values.json')) as {
    digits: Record<ImageExtractor, number[]>;
  }
).digits;
const heldout = read('models/digits/heldout.jsonl')
  .trim()
  .split('\n')
  .map((line) => (JSON.parse(line) as { pixels: number[] }).pixels);
const grid = (ink: ArrayLike<number>): InkGrid => ({ width: 8, height: 8, ink });

describe('imageFeatures', () => {
  it('computes what the digits training code computed on each of the 360 held-out images, within 1e-9', () => {
    expect(heldout).toHaveLength(360);
    heldout.forEach((pixels, i) => {
      const features = imageFeatures(grid(pixels));
      for (const extractor of ImageExtractor.options) {
        expect(
          Math.abs(features[extractor] - reference[extractor][i]!),
          `${extractor} of sample ${i}`,
        ).toBeLessThan(1e-9);
      }
    });
  });

  it('reproduces the digits reference profile counts bin for bin', () => {
    const manifest = JSON.parse(read('models/digits/ferry.json')) as { reference: { features: unknown[] } };
    for (const raw of manifest.reference.features) {
      const feature = NumericFeatureProfile.parse(raw);
      const extractor = ImageExtractor.parse(feature.measure?.kind === 'image' && feature.measure.extractor);
      // Live counts carry underflow and overflow; the profile folds them into its first and last bin.
      const live = Array.from({ length: feature.edges.length + 1 }, () => 0);
      for (const pixels of heldout) live[binIndex(feature.edges, imageFeatures(grid(pixels))[extractor])]!++;
      const folded = live.slice(1, -1);
      folded[0]! += live[0]!;
      folded[folded.length - 1]! += live.at(-1)!;
      expect(folded, feature.name).toEqual(feature.counts);
    }
  });

  it('gives a blank grid zero ink and centroid 0, as the training code’s +1e-9 does', () => {
    expect(imageFeatures(grid(new Float64Array(64)))).toEqual({
      mean_ink: 0,
      ink_fraction: 0,
      centroid_x: 0,
      centroid_y: 0,
      ink_width: 0,
      ink_height: 0,
    });
  });

  it('measures one inked pixel by its row and column, counting ink from a quarter of full ink on', () => {
    const ink = new Float64Array(64);
    ink[2 * 8 + 5] = 4;
    ink[6 * 8 + 1] = 3.999;
    const features = imageFeatures(grid(ink));
    expect(features).toMatchObject({ ink_fraction: 1 / 64, ink_width: 1, ink_height: 1 });
    expect(features.centroid_x).toBeCloseTo((5 * 4 + 1 * 3.999) / 7.999, 12);
    expect(features.centroid_y).toBeCloseTo((2 * 4 + 6 * 3.999) / 7.999, 12);
  });

  it('gives the same values whatever grids, larger or smaller, were measured before', () => {
    const ink = new Float64Array(64);
    ink[2 * 8 + 5] = 16;
    const first = imageFeatures(grid(ink));
    const full = (width: number, height: number) =>
      imageFeatures({ width, height, ink: new Float64Array(width * height).fill(FULL_INK) });
    expect(full(16, 16)).toMatchObject({ ink_width: 16, ink_height: 16 });
    expect(imageFeatures(grid(ink))).toEqual(first);
    expect(full(4, 2)).toMatchObject({ ink_width: 4, ink_height: 2 });
    expect(imageFeatures(grid(ink))).toEqual(first);
    expect(first).toMatchObject({ ink_width: 1, ink_height: 1 });
  });

  it('measures a scaled grid as it reads it: the values of its ink grid, bit for bit', () => {
    // The digits bundle's model input (ink × 255/16 × scale, then inverted back by the measure)
    // and a normalised one (std and mean) alike, over the held-out images and 8×8 noise.
    const scales = [
      { std: 1, mean: 0, factor: FULL_INK / 255 / 0.06274509804 },
      { std: 0.37, mean: 0.21, factor: 1.9 },
    ];
    const noise = Array.from({ length: 200 }, (_, k) =>
      Array.from({ length: 64 }, (_, i) => (((k * 37 + i * 11) % 29) - 5) / 17),
    );
    for (const scale of scales) {
      for (const values of [...heldout, ...noise]) {
        const raw = Float32Array.from(values, (v) => v / scale.factor);
        const ink = Float64Array.from(raw, (v) => (v * scale.std + scale.mean) * scale.factor);
        expect(imageFeatures({ width: 8, height: 8, ink: raw, scale })).toEqual(imageFeatures(grid(ink)));
      }
    }
  });

  it('refuses a grid whose size does not match its values, naming the image', () => {
    expect(() => imageFeatures({ width: 8, height: 8, ink: new Float64Array(63) })).toThrow(
      expect.objectContaining({ code: 'INVALID_INPUT', message: expect.stringMatching(/^image: /) }),
    );
  });
});

describe('inkGrid', () => {
  it('turns the digits samples’ canvas gray into their model input (the bundle inverts, × 16/255)', () => {
    const samples = SampleSet.parse(JSON.parse(read('models/digits/samples.json')));
    for (const sample of samples.samples) {
      const { gray, pixels } = sample.input as { gray: number[][]; pixels: number[][] };
      const ink = inkGrid(gray.flat(), { width: 8, height: 8 }, true).ink;
      // pixels are the float32 model input rounded to 6 significant digits.
      pixels.flat().forEach((expected, i) => expect(ink[i]).toBeCloseTo(expected, 4));
    }
  });

  it('maps paper to 0 and full ink to 16 either way round', () => {
    expect(Array.from(inkGrid([255, 0], { width: 2, height: 1 }, true).ink)).toEqual([0, FULL_INK]);
    expect(Array.from(inkGrid([0, 255], { width: 2, height: 1 }, false).ink)).toEqual([0, FULL_INK]);
  });
});
