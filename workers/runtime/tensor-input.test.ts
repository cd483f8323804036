import { describe, expect, it } from 'vitest';
import type { Signature } from '$shared/schemas/manifest.ts';
import { feedsFromTensors } from './tensor-input.ts';

const signature: Signature = {
  inputs: [
    { name: 'pixels', type: 'float32', shape: ['batch', 1, 8, 8] },
    { name: 'ids', type: 'int64', shape: ['batch', 'sequence'] },
  ],
  outputs: [{ name: 'logits', type: 'float32', shape: ['batch', 10] }],
};

const pixels = { data: new Float32Array(64), dims: [1, 1, 8, 8] };

describe('feedsFromTensors', () => {
  it('accepts typed arrays of the declared type and converts plain number arrays', () => {
    const feeds = feedsFromTensors({ pixels, ids: { data: [101, 7, 102], dims: [1, 3] } }, signature);
    expect(feeds.pixels).toEqual({ type: 'float32', dims: [1, 1, 8, 8], data: pixels.data });
    expect(feeds.ids?.data).toEqual(BigInt64Array.from([101n, 7n, 102n]));
  });

  it('names the input whose type, rank, fixed dimension or length is wrong', () => {
    const ids = { data: [1], dims: [1, 1] };
    expect(() =>
      feedsFromTensors({ pixels: { ...pixels, data: new Int32Array(64) }, ids }, signature),
    ).toThrow('pixels: the model takes float32, got Int32Array');
    expect(() => feedsFromTensors({ pixels: { ...pixels, dims: [1, 64] }, ids }, signature)).toThrow(
      'pixels: expected 4 dimensions',
    );
    expect(() => feedsFromTensors({ pixels: { ...pixels, dims: [1, 2, 8, 4] }, ids }, signature)).toThrow(
      'pixels: dimension 1 must be 1, got 2',
    );
    expect(() => feedsFromTensors({ pixels: { ...pixels, dims: [2, 1, 8, 8] }, ids }, signature)).toThrow(
      'pixels: dims [2, 1, 8, 8] need 128 values, got 64',
    );
  });

  it('names missing and unknown inputs', () => {
    expect(() => feedsFromTensors({ pixels }, signature)).toThrow('ids: missing input');
    expect(() =>
      feedsFromTensors({ pixels, ids: { data: [1], dims: [1, 1] }, mask: pixels }, signature),
    ).toThrow('mask: not an input of this model (inputs: pixels, ids)');
  });
});
