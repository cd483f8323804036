import { encodeOnnxModel } from '../services/onnx-graph.ts';

const FLOAT = 1;
const ATTRIBUTE_INT = 2;
const ATTRIBUTE_TENSOR = 4;

function floatTensor(name: string, dims: number[], values: number[]) {
  return { name, dims, dataType: FLOAT, floatData: values };
}

function floatValue(name: string, dims: number[]) {
  return {
    name,
    type: { tensorType: { elemType: FLOAT, shape: { dim: dims.map((d) => ({ dimValue: d })) } } },
  };
}

/**
 * A model with no inputs: one `Constant` node whose output `y` is `values` (float32, 1-D), at
 * opset 13. onnxruntime runs it with no feeds.
 */
export function constantModel(values: number[]): Uint8Array {
  return encodeOnnxModel({
    irVersion: 8,
    producerName: 'ferry test fixture',
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: 'constant',
      node: [
        {
          opType: 'Constant',
          output: ['y'],
          attribute: [
            { name: 'value', type: ATTRIBUTE_TENSOR, t: floatTensor('value', [values.length], values) },
          ],
        },
      ],
      output: [floatValue('y', [values.length])],
    },
  });
}

/**
 * A valid ONNX model that onnxruntime 1.30 cannot load: an `RNN` with `layout=1` (batch first),
 * which its CPU kernel does not implement (issue 10, point 8).
 */
export function batchFirstRnnModel(): Uint8Array {
  const hidden = 2;
  const features = 3;
  return encodeOnnxModel({
    irVersion: 8,
    producerName: 'ferry test fixture',
    opsetImport: [{ domain: '', version: 14 }],
    graph: {
      name: 'rnn',
      node: [
        {
          opType: 'RNN',
          input: ['x', 'w', 'r'],
          output: ['y'],
          attribute: [
            { name: 'hidden_size', type: ATTRIBUTE_INT, i: hidden },
            { name: 'layout', type: ATTRIBUTE_INT, i: 1 },
          ],
        },
      ],
      initializer: [
        floatTensor('w', [1, hidden, features], new Array<number>(hidden * features).fill(0.1)),
        floatTensor('r', [1, hidden, hidden], new Array<number>(hidden * hidden).fill(0.1)),
      ],
      input: [floatValue('x', [1, 4, features])],
      output: [floatValue('y', [1, 4, 1, hidden])],
    },
  });
}
