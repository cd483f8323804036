import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { constantModel } from '../testing/onnx-fixtures.ts';
import { readOnnxGraph } from './onnx-graph.ts';

const root = path.resolve(import.meta.dirname, '..', '..');

describe('readOnnxGraph', () => {
  it('reads Silero VAD: unnamed dimensions as null, a scalar as [], and no weights among the inputs', () => {
    const graph = readOnnxGraph(
      readFileSync(path.join(root, 'node_modules/@ricky0123/vad-web/dist/silero_vad_v5.onnx')),
    );
    expect(graph.inputs).toEqual([
      { name: 'input', type: 'float32', shape: [null, null] },
      { name: 'state', type: 'float32', shape: [2, null, 128] },
      { name: 'sr', type: 'int64', shape: [] },
    ]);
    expect(graph.outputs.map((o) => o.name)).toEqual(['output', 'stateN']);
    expect(graph.opsets).toContainEqual({ domain: '', version: 16 });
  });

  it('reads named symbolic dimensions and the operators of a PyTorch export (digits)', () => {
    const graph = readOnnxGraph(readFileSync(path.join(root, 'models/digits/model.onnx')));
    expect(graph.inputs).toEqual([{ name: 'pixels', type: 'float32', shape: ['batch', 1, 8, 8] }]);
    expect(graph.outputs).toEqual([{ name: 'logits', type: 'float32', shape: ['batch', 10] }]);
    expect(graph.operators).toContain('Conv');
    expect(graph.producer).toMatch(/^pytorch/);
  });

  it('round-trips a model it encoded: a lone Constant has no inputs', () => {
    const graph = readOnnxGraph(constantModel([1, 2, 3]));
    expect(graph.inputs).toEqual([]);
    expect(graph.outputs).toEqual([{ name: 'y', type: 'float32', shape: [3] }]);
    expect(graph.operators).toEqual(['Constant']);
  });

  it('throws for bytes that are not an ONNX model', () => {
    expect(() => readOnnxGraph(new TextEncoder().encode('{"not": "onnx"}'))).toThrow();
    expect(() => readOnnxGraph(new Uint8Array(0))).toThrow(/no graph/);
  });
});
