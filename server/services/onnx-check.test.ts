import { describe, expect, it } from 'vitest';
import { isFerryError } from '$shared';
import { batchFirstRnnModel, constantModel } from '../testing/onnx-fixtures.ts';
import { plainOrtReason, readGraphSignature } from './onnx-check.ts';

async function refusal(bytes: Uint8Array) {
  try {
    await readGraphSignature(bytes, 'model.onnx');
  } catch (error) {
    if (isFerryError(error)) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('readGraphSignature', () => {
  it('loads a model with no inputs', async () => {
    const graph = await readGraphSignature(constantModel([1, 2]), 'model.onnx');
    expect(graph.inputs).toEqual([]);
    expect(graph.outputs.map((o) => o.name)).toEqual(['y']);
  });

  it("refuses a valid graph onnxruntime cannot run in Ferry's words, without native paths", async () => {
    const error = await refusal(batchFirstRnnModel());
    expect(error.code).toBe('ONNX_INVALID');
    expect(error.message).toBe(
      'model.onnx: a valid ONNX graph that onnxruntime cannot run, so browsers could not either: Batchwise recurrent operations (layout == 1) are not supported.',
    );
    expect(error.details).toEqual({ file: 'model.onnx', reason: 'unsupported-by-onnxruntime' });
  });

  it('refuses bytes that are not ONNX as not an ONNX model', async () => {
    const error = await refusal(new TextEncoder().encode('not a model at all'));
    expect(error.code).toBe('ONNX_INVALID');
    expect(error.message).toMatch(/^model\.onnx: not a loadable ONNX model \(/);
    expect(error.details).toMatchObject({ reason: 'not-onnx' });
  });
});

describe('plainOrtReason', () => {
  it('drops the error prefix, build paths, C++ signatures and failed asserts', () => {
    expect(
      plainOrtReason(
        '[ONNXRuntimeError] : 1 : FAIL : Load model from /tmp/x/model.onnx failed:/onnxruntime_src/onnxruntime/core/graph/graph.cc:1510 void onnxruntime::Graph::InitializeStateFromModelFileGraphProto() This is an invalid model. Graph output (y) does not exist in the graph.',
      ),
    ).toBe('This is an invalid model. Graph output (y) does not exist in the graph.');
    expect(plainOrtReason('')).toBe('onnxruntime gave no reason');
  });
});
