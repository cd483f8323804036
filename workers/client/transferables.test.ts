import { describe, expect, it } from 'vitest';
import { transferablesOf } from './transferables.ts';

describe('transferablesOf', () => {
  it('lists each tensor buffer once and skips plain arrays, numbers and text', () => {
    const shared = new Float32Array(8);
    const input = {
      a: { data: shared, dims: [8] },
      b: { data: shared.subarray(4), dims: [4] },
      c: { data: [1, 2], dims: [2] },
    };
    expect(transferablesOf(input)).toEqual([shared.buffer]);
    expect(transferablesOf({ 'mean radius': 14.2 })).toEqual([]);
    expect(transferablesOf('some text')).toEqual([]);
  });

  it('includes the pixels of an image input', () => {
    const data = new Uint8ClampedArray(16);
    expect(transferablesOf({ image: { data, width: 2, height: 2 } })).toEqual([data.buffer]);
  });
});
