import { describe, expect, it } from 'vitest';
import { BundleManifest, ReferenceProfile } from '$shared';
import type { OnnxGraph } from '../services/onnx-graph.ts';
import { declaredShape, initManifest, referenceSkeleton, samplesSkeleton } from './init-manifest.ts';

function graph(partial: Partial<OnnxGraph>): OnnxGraph {
  return {
    producer: '',
    opsets: [{ domain: '', version: 17 }],
    inputs: [],
    outputs: [],
    operators: [],
    ...partial,
  };
}

const otherFiles = [{ path: 'samples.json', role: 'sample' as const }];

describe('initManifest', () => {
  it('names unnamed dimensions <tensor>_dim<i> and keeps named and fixed ones', () => {
    expect(declaredShape({ name: 'state', type: 'float32', shape: [2, null, 'batch', ''] })).toEqual({
      shape: [2, 'state_dim1', 'batch', 'state_dim3'],
      renamed: ['state_dim1', 'state_dim3'],
    });
  });

  it('guesses image-classification for one NHWC float input with 3 channels, sized from its fixed dimensions', () => {
    const manifest = initManifest({
      name: 'pets',
      onnxPath: 'model.onnx',
      graph: graph({
        inputs: [{ name: 'image', type: 'float32', shape: ['n', 160, 96, 3] }],
        outputs: [{ name: 'logits', type: 'float32', shape: ['n', 37] }],
        operators: ['Conv', 'Gemm'],
      }),
      otherFiles,
    });
    expect(manifest).toMatchObject({
      task: 'image-classification',
      preprocessing: { kind: 'image', input: 'image', width: 96, height: 160, channels: 3, layout: 'NHWC' },
      postprocessing: { kind: 'softmax', output: 'logits' },
    });
    expect(BundleManifest.safeParse(manifest).success).toBe(true);
  });

  it('keeps probabilities as they are when the graph ends in Softmax', () => {
    const manifest = initManifest({
      name: 'cls',
      onnxPath: 'model.onnx',
      graph: graph({
        inputs: [{ name: 'x', type: 'float32', shape: [null, 3, null, null] }],
        outputs: [{ name: 'p', type: 'float32', shape: [null, 2] }],
        operators: ['Conv', 'Softmax'],
      }),
      otherFiles,
    });
    expect(manifest.postprocessing).toEqual({ kind: 'probabilities', output: 'p' });
    expect(manifest.preprocessing).toMatchObject({ width: 224, height: 224, layout: 'NCHW' });
  });

  it('guesses text-classification with labels for a Hugging Face sequence classifier, on WASM for a q8 graph', () => {
    const manifest = initManifest({
      name: 'sections',
      onnxPath: 'onnx/model_quantized.onnx',
      graph: graph({
        inputs: [{ name: 'input_ids', type: 'int64', shape: ['batch', 'sequence'] }],
        outputs: [{ name: 'logits', type: 'float32', shape: ['batch', 2] }],
        operators: ['DynamicQuantizeLinear', 'MatMulInteger'],
      }),
      huggingFace: { architectures: ['BertForSequenceClassification'], labels: ['no', 'yes'] },
      otherFiles,
    });
    expect(manifest).toMatchObject({
      task: 'text-classification',
      preprocessing: { kind: 'text' },
      postprocessing: { kind: 'softmax', output: 'logits' },
      labels: ['no', 'yes'],
      runtime: { executionProviders: ['wasm'], dtype: 'q8' },
    });
  });

  it('falls back to custom (named tensors in, raw outputs out) and refuses a sequence output', () => {
    const custom = initManifest({
      name: 'vad',
      onnxPath: 'model.onnx',
      graph: graph({
        inputs: [{ name: 'sr', type: 'int64', shape: [] }],
        outputs: [{ name: 'y', type: 'float16', shape: [1] }],
      }),
      otherFiles,
    });
    expect(custom).toMatchObject({
      task: 'custom',
      preprocessing: { kind: 'none' },
      runtime: { dtype: 'fp16' },
    });
    expect(() =>
      initManifest({
        name: 'seq',
        onnxPath: 'model.onnx',
        graph: graph({ outputs: [{ name: 'ys', type: { unsupported: 'sequence' }, shape: null }] }),
        otherFiles,
      }),
    ).toThrow(/output "ys" is a sequence/);
  });

  it('writes samples and reference skeletons that name every tensor and parse as a reference profile', () => {
    const manifest = initManifest({
      name: 'vad',
      onnxPath: 'model.onnx',
      graph: graph({
        inputs: [{ name: 'state', type: 'float32', shape: [2, null, 128] }],
        outputs: [{ name: 'out', type: 'float32', shape: [null, 1] }],
      }),
      otherFiles,
    });
    const samples = samplesSkeleton(manifest);
    expect(samples.samples[0]?.input).toEqual({ state: { type: 'float32', shape: [2, 1, 128], data: [] } });
    expect(samples.samples[0]?.expected).toEqual({ out: { type: 'float32', shape: [1, 1], data: [] } });
    expect(referenceSkeleton(manifest)).toMatchObject({ sampleCount: 1, features: [{ kind: 'numeric' }] });
    expect(ReferenceProfile.safeParse(referenceSkeleton(manifest)).success).toBe(true);
  });
});
