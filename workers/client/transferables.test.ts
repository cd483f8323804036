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

  it("lists a result's output buffers once each and skips string outputs", () => {
    const logits = new Float32Array(4);
    const outputs = {
      logits: { type: 'float32' as const, dims: [4], data: logits },
      view: { type: 'float32' as const, dims: [2], data: logits.subarray(2) },
      labels: { type: 'string' as const, dims: [1], data: ['a'] },
    };
    expect(transferablesOf(outputs)).toEqual([logits.buffer]);
  });

  it('includes the pixels of an image input', () => {
    const data = new Uint8ClampedArray(16);
    expect(transferablesOf({ image: { data, width: 2, height: 2 } })).toEqual([data.buffer]);
  });
});
