import { describe, expect, it } from 'vitest';
import type { FeatureMeasure } from '../schemas/reference-profile.ts';
import { measureFeatures } from './measure.ts';

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
});
