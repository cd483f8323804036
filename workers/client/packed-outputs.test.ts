import { describe, expect, it } from 'vitest';
import type { TensorOutput } from '../types.ts';
import { packOutputs, unpackOutputs } from './packed-outputs.ts';

const outputs = (): Record<string, TensorOutput> => ({
  logits: { type: 'float32', dims: [1, 3], data: new Float32Array([0.5, -1, 2]) },
  ids: { type: 'int64', dims: [2], data: new BigInt64Array([7n, 9n]) },
});

describe('packOutputs / unpackOutputs', () => {
  it('round-trips outputs in their order, sending the layout only when it changes', () => {
    const first = packOutputs(outputs(), undefined);
    expect(first.layout).toEqual([
      { name: 'logits', type: 'float32', dims: [1, 3] },
      { name: 'ids', type: 'int64', dims: [2] },
    ]);
    expect(unpackOutputs(first.data, first.layout!)).toEqual(outputs());

    const again = packOutputs(outputs(), first.layout);
    expect(again.layout, 'every name, type and dims as last sent').toBeUndefined();
    expect(unpackOutputs(again.data, first.layout!)).toEqual(outputs());
  });

  it('sends a new layout when dims, a type, a name or the number of outputs differ', () => {
    const known = packOutputs(outputs(), undefined).layout!;
    const longer = outputs();
    longer.logits = { type: 'float32', dims: [1, 4], data: new Float32Array(4) };
    expect(packOutputs(longer, known).layout?.[0]?.dims).toEqual([1, 4]);
    const retyped = outputs();
    retyped.ids = { type: 'int32', dims: [2], data: new Int32Array(2) };
    expect(packOutputs(retyped, known).layout?.[1]?.type).toBe('int32');
    const { logits } = outputs();
    expect(packOutputs({ logits: logits! }, known).layout).toHaveLength(1);
    expect(packOutputs({ scores: logits!, ids: outputs().ids! }, known).layout?.[0]?.name).toBe('scores');
  });

  it("gives each unpacked output dims of its own, not the layout's", () => {
    const { data, layout } = packOutputs(outputs(), undefined);
    const unpacked = unpackOutputs(data, layout!);
    unpacked.logits!.dims[0] = 5;
    expect(layout![0]!.dims).toEqual([1, 3]);
  });
});
