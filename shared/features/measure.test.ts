import { describe, expect, it } from 'vitest';
import type { FeatureMeasure } from '../schemas/reference-profile.ts';
import { imageFeatures } from './image-features.ts';
import { createFeatureMeasurer, measureFeatures } from './measure.ts';

describe('measureFeatures', () => {
  const measures: (FeatureMeasure | undefined)[] = [
    { kind: 'column', column: 'b' },
    undefined,
    { kind: 'image', extractor: 'ink_width' },
    { kind: 'text', extractor: 'words' },
    { kind: 'text', extractor: 'tokens' },
    { kind: 'column', column: 'a' },
  ];

  it('reads tabular columns by name and leaves the rest unmeasured', () => {
    expect(measureFeatures(measures, { kind: 'tabular', values: { a: 1.5, b: -2 } })).toEqual([
      -2,
      undefined,
      undefined,
      undefined,
      undefined,
      1.5,
    ]);
  });

  it('runs the image extractors on the ink grid', () => {
    const ink = new Float64Array(64).fill(0);
    ink[3] = ink[4] = 16;
    expect(measureFeatures(measures, { kind: 'image', grid: { width: 8, height: 8, ink } })[2]).toBe(2);
  });

  it('runs the text extractors, the token ones only with the tokenizer’s ids', () => {
    expect(measureFeatures(measures, { kind: 'text', text: 'one two three' }).slice(3, 5)).toEqual([
      3,
      undefined,
    ]);
    const tokens = { ids: [2, 9, 9, 3], unkId: 1, specialIds: new Set([2, 3]) };
    expect(measureFeatures(measures, { kind: 'text', text: 'a', tokens }).slice(3, 5)).toEqual([1, 2]);
  });

  it('does not count a value that is not finite', () => {
    expect(measureFeatures(measures, { kind: 'tabular', values: { a: Number.NaN, b: Infinity } })).toEqual(
      Array.from({ length: 6 }, () => undefined),
    );
  });

  it('reads each image extractor a profile names, in its order, repeated or not, from one pass', () => {
    const measurer = createFeatureMeasurer([
      { kind: 'image', extractor: 'ink_height' },
      { kind: 'column', column: 'a' },
      { kind: 'image', extractor: 'centroid_x' },
      { kind: 'image', extractor: 'ink_height' },
    ]);
    const ink = new Float64Array(64);
    ink[3 * 8 + 5] = ink[6 * 8 + 2] = 12;
    const grid = { width: 8, height: 8, ink };
    const expected = imageFeatures(grid);
    const out = measurer({ kind: 'image', grid }, new Float64Array(4));
    expect(Array.from(out)).toEqual([
      expected.ink_height,
      Number.NaN,
      expected.centroid_x,
      expected.ink_height,
    ]);
    // Reused from input to input: nothing of the first is left in the second's values.
    measurer({ kind: 'image', grid: { width: 8, height: 8, ink: new Float64Array(64) } }, out);
    expect(Array.from(out)).toEqual([0, Number.NaN, 0, 0]);
  });
});
