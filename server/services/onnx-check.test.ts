import { describe, expect, it } from 'vitest';
import type { Signature } from '$shared';
import { checkSignature, type GraphSignature } from './onnx-check.ts';

const declared: Signature = {
  inputs: [{ name: 'input_ids', type: 'int64', shape: ['batch', 'sequence'] }],
  outputs: [{ name: 'logits', type: 'float32', shape: ['batch', 6] }],
};
const graph: GraphSignature = {
  inputs: [{ name: 'input_ids', isTensor: true, type: 'int64', shape: ['batch_size', 128] }],
  outputs: [{ name: 'logits', isTensor: true, type: 'float32', shape: ['batch_size', 6] }],
};

describe('checkSignature', () => {
  it('accepts symbolic declared dims against fixed or differently named graph dims', () => {
    expect(() => checkSignature(declared, graph, 'model.onnx')).not.toThrow();
  });

  it('names the field when element types differ', () => {
    const wrong = { ...declared, inputs: [{ ...declared.inputs[0]!, type: 'int32' as const }] };
    expect(() => checkSignature(wrong, graph, 'model.onnx')).toThrow(
      'signature.inputs[0].type: declared int32 for "input_ids" but model.onnx has int64',
    );
  });

  it('names the field when ranks differ', () => {
    const wrong = { ...declared, outputs: [{ ...declared.outputs[0]!, shape: ['batch'] }] };
    expect(() => checkSignature(wrong, graph, 'model.onnx')).toThrow(
      /^signature\.outputs\[0\]\.shape: declared rank 1/,
    );
  });

  it('names the dimension when fixed sizes differ', () => {
    const wrong = { ...declared, outputs: [{ ...declared.outputs[0]!, shape: ['batch', 7] }] };
    expect(() => checkSignature(wrong, graph, 'model.onnx')).toThrow(
      'signature.outputs[0].shape[1]: declared 7 for "logits" but model.onnx has 6',
    );
  });

  it('refuses a graph input that is not declared', () => {
    const extra = {
      ...graph,
      inputs: [...graph.inputs, { name: 'attention_mask', isTensor: true, type: 'int64', shape: [] }],
    };
    expect(() => checkSignature(declared, extra, 'model.onnx')).toThrow(
      expect.objectContaining({
        code: 'SIGNATURE_MISMATCH',
        message: expect.stringContaining('"attention_mask"'),
      }),
    );
  });
});
