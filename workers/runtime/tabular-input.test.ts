import { describe, expect, it } from 'vitest';
import { tabularToFeed, type TabularPreprocessing } from './tabular-input.ts';

const spec: TabularPreprocessing = {
  kind: 'tabular',
  input: 'features',
  features: [
    { name: 'mean radius', min: 6, max: 29, default: 14 },
    { name: 'mean texture', min: 9, max: 40, default: 19 },
  ],
};

describe('tabularToFeed', () => {
  it('orders named values as the manifest lists the features', () => {
    const feed = tabularToFeed({ 'mean texture': 20.5, 'mean radius': 14.2 }, spec);
    expect(feed.dims).toEqual([1, 2]);
    expect(Array.from(feed.data as Float32Array)).toEqual([expect.closeTo(14.2, 5), 20.5]);
  });

  it('names a missing, unknown or non-finite feature', () => {
    expect(() => tabularToFeed({ 'mean radius': 1 }, spec)).toThrow(/mean texture: missing/);
    expect(() => tabularToFeed({ 'mean radius': 1, 'mean texture': 2, radius: 3 }, spec)).toThrow(
      /radius: not a feature/,
    );
    expect(() => tabularToFeed({ 'mean radius': NaN, 'mean texture': 2 }, spec)).toThrow(
      expect.objectContaining({ code: 'INVALID_INPUT', details: { field: 'mean radius' } }),
    );
  });
});
