import { describe, expect, it } from 'vitest';
import type { Signature } from '$shared/schemas/manifest.ts';
import { tensorFeeder } from './tensor-input.ts';
import type { TensorInputs } from '../types.ts';

const signature: Signature = {
  inputs: [
    { name: 'pixels', type: 'float32', shape: ['batch', 1, 8, 8] },
    { name: 'ids', type: 'int64', shape: ['batch', 'sequence'] },
  ],
  outputs: [{ name: 'logits', type: 'float32', shape: ['batch', 10] }],
};

const pixels = { data: new Float32Array(64), dims: [1, 1, 8, 8] };

/** The feeds of one call, as run() gets them from the model's feeder. */
const feedsFromTensors = (inputs: TensorInputs, signature: Signature) => tensorFeeder(signature)(inputs);

describe('tensorFeeder', () => {
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

  it('lets symbolic dimensions take any size, each input on its own', () => {
    const feeds = feedsFromTensors(
      {
        pixels: { data: new Float32Array(3 * 64), dims: [3, 1, 8, 8] },
        ids: { data: new BigInt64Array(2 * 17), dims: [2, 17] },
      },
      signature,
    );
    expect(feeds.pixels?.dims).toEqual([3, 1, 8, 8]);
    expect(feeds.ids?.dims).toEqual([2, 17]);
    expect(() =>
      feedsFromTensors(
        { pixels: { data: new Float32Array(0), dims: [0, 1, 8, 8] }, ids: { data: [], dims: [0, 0] } },
        signature,
      ),
    ).not.toThrow();
  });

  it('takes int64 as BigInt64Array and refuses other arrays for it', () => {
    const ids = { data: BigInt64Array.from([101n, 2n ** 40n]), dims: [1, 2] };
    expect(feedsFromTensors({ pixels, ids }, signature).ids?.data).toBe(ids.data);
    expect(() =>
      feedsFromTensors({ pixels, ids: { data: new Int32Array(2), dims: [1, 2] } }, signature),
    ).toThrow('ids: the model takes int64, got Int32Array');
  });

  it('accepts a one-element tensor for a rank-0 input and feeds it as a scalar', () => {
    const vad: Signature = {
      inputs: [
        { name: 'input', type: 'float32', shape: [1, 'samples'] },
        { name: 'sr', type: 'int64', shape: [] },
      ],
      outputs: [{ name: 'output', type: 'float32', shape: [1, 1] }],
    };
    const input = { data: new Float32Array(512), dims: [1, 512] };
    for (const dims of [[], [1], [1, 1]]) {
      const feeds = feedsFromTensors({ input, sr: { data: BigInt64Array.of(16000n), dims } }, vad);
      expect(feeds.sr).toEqual({ type: 'int64', dims: [], data: BigInt64Array.of(16000n) });
    }
    expect(() => feedsFromTensors({ input, sr: { data: BigInt64Array.of(1n, 2n), dims: [2] } }, vad)).toThrow(
      'sr: expected 0 dimensions [], got [2]',
    );
    expect(() => feedsFromTensors({ input, sr: { data: [], dims: [1] } }, vad)).toThrow(
      'sr: dims [] need 1 values, got 0',
    );
  });

  it('refuses dims that are not non-negative integers, naming the input', () => {
    const ids = { data: [1], dims: [1, 1] };
    expect(() => feedsFromTensors({ pixels: { ...pixels, dims: [1, 1, 8, -8] }, ids }, signature)).toThrow(
      'pixels: dims must be a list of non-negative integers',
    );
    expect(() => feedsFromTensors({ pixels: { ...pixels, dims: [1, 1, 8, 8.5] }, ids }, signature)).toThrow(
      'pixels: dims must be',
    );
  });
});
