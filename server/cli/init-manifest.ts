import type { BundleFile, BundleManifestInput, Dim, ElementType, TensorSpec } from '$shared';
import type { GraphTensor, OnnxGraph } from '../services/onnx-graph.ts';

/** What `ferry init` found in a Hugging Face folder (transformers.js layout). */
export interface HuggingFaceFolder {
  /** config.json's `architectures`, e.g. `BertForSequenceClassification`. */
  architectures: readonly string[];
  /** config.json's `id2label` in id order, when it has one. */
  labels?: string[];
}

/** The inputs of {@link initManifest}. */
export interface InitInput {
  name: string;
  /** The ONNX file's path inside the bundle. */
  onnxPath: string;
  graph: OnnxGraph;
  /** Set when the source is a Hugging Face folder. */
  huggingFace?: HuggingFaceFolder;
  /** Bundle files besides the ONNX file (tokenizer, config, samples…). */
  otherFiles: readonly BundleFile[];
}

/** A tensor that cannot go into a manifest (a sequence, a map, complex numbers…). */
export class UnsupportedTensorError extends Error {}

// Operators that only quantized (int8) graphs contain; WebGPU has no kernels for most of them.
const QUANTIZED_OPERATORS =
  /(^|\.)(MatMulInteger|ConvInteger|DynamicQuantizeLinear|QLinear\w+|QAttention|DynamicQuantizeMatMul)$/;

/**
 * The shape a manifest declares for a graph tensor: a dimension the graph leaves unnamed (ORT
 * reports it as `""`) becomes `<tensor>_dim<i>`, stable across runs of `ferry init`.
 */
export function declaredShape(tensor: GraphTensor): { shape: Dim[]; renamed: string[] } {
  const renamed: string[] = [];
  const shape = (tensor.shape ?? []).map((dim, i): Dim => {
    if (dim !== null && dim !== '') return dim;
    const name = `${tensor.name}_dim${i}`.slice(-64);
    renamed.push(name);
    return name;
  });
  return { shape, renamed };
}

function specOf(tensor: GraphTensor, side: 'input' | 'output'): TensorSpec {
  if (typeof tensor.type !== 'string') {
    throw new UnsupportedTensorError(
      `${side} "${tensor.name}" is a ${tensor.type.unsupported}; Ferry bundles carry tensors only (float32, int64, …)`,
    );
  }
  const { shape, renamed } = declaredShape(tensor);
  const notes: string[] = [];
  if (tensor.shape === null) notes.push('the graph declares no shape (any rank): write the real one');
  if (renamed.length > 0) notes.push(`unnamed in the graph: ${renamed.join(', ')} (any size)`);
  return {
    name: tensor.name,
    type: tensor.type,
    shape,
    ...(notes.length ? { description: notes.join('; ') } : {}),
  };
}

function isFloat(type: GraphTensor['type']): boolean {
  return type === 'float32' || type === 'float16';
}

/**
 * `image-classification` for one 4-D float input with 3 channels (NCHW or NHWC) and a 2-D
 * output, with the image size taken from fixed dimensions (224 where they are symbolic).
 */
function imageLayout(graph: OnnxGraph) {
  const [input, ...more] = graph.inputs;
  const [output] = graph.outputs;
  if (!input || more.length > 0 || !isFloat(input.type) || input.shape?.length !== 4) return null;
  if (output?.shape?.length !== 2) return null;
  const [, c1, d2, d3] = input.shape;
  const nchw = c1 === 3;
  if (!nchw && d3 !== 3) return null;
  const size = (dim: unknown) => (typeof dim === 'number' && dim > 0 ? dim : 224);
  const height = size(nchw ? d2 : c1);
  const width = size(nchw ? d3 : d2);
  return { input: input.name, output: output.name, layout: nchw ? 'NCHW' : 'NHWC', width, height } as const;
}

function labelsOf(hf: HuggingFaceFolder | undefined) {
  return hf?.labels?.length ? { labels: hf.labels } : {};
}

/** The task, pre- and postprocessing `ferry init` guesses from the graph and the folder. */
function guessTask(
  input: InitInput,
): Pick<BundleManifestInput, 'task' | 'preprocessing' | 'postprocessing' | 'labels'> {
  const hf = input.huggingFace;
  if (hf) {
    const classifier = hf.architectures.some((a) => a.endsWith('ForSequenceClassification'));
    const logits = input.graph.outputs.find((o) => o.name === 'logits');
    if (classifier && logits) {
      return {
        task: 'text-classification',
        preprocessing: { kind: 'text' },
        postprocessing: { kind: 'softmax', output: 'logits' },
        ...labelsOf(hf),
      };
    }
    return { task: 'feature-extraction', preprocessing: { kind: 'text' }, postprocessing: { kind: 'none' } };
  }
  const image = imageLayout(input.graph);
  if (image) {
    // A graph that ends in Softmax already gives probabilities; softmax twice would flatten them.
    const probabilities = input.graph.operators.includes('Softmax');
    return {
      task: 'image-classification',
      preprocessing: {
        kind: 'image',
        input: image.input,
        width: image.width,
        height: image.height,
        channels: 3,
        layout: image.layout,
      },
      postprocessing: { kind: probabilities ? 'probabilities' : 'softmax', output: image.output },
    };
  }
  return { task: 'custom', preprocessing: { kind: 'none' }, postprocessing: { kind: 'none' } };
}

/** Runtime hints from the graph: q8 graphs run on WASM only; float16 tensors mean an fp16 model. */
function runtimeHints(graph: OnnxGraph): BundleManifestInput['runtime'] {
  if (graph.operators.some((op) => QUANTIZED_OPERATORS.test(op))) {
    return { executionProviders: ['wasm'], dtype: 'q8' };
  }
  const tensors = [...graph.inputs, ...graph.outputs];
  const fp16 = tensors.some((t) => t.type === 'float16');
  return { executionProviders: ['webgpu', 'wasm'], dtype: fp16 ? 'fp16' : 'fp32' };
}

/**
 * The starting `ferry.json` for a bundle: the graph's inputs and outputs as the signature, a
 * guessed task and runtime hints, and placeholders (description, licence, source) to edit.
 * Throws {@link UnsupportedTensorError} for a graph input or output that is not a tensor.
 */
export function initManifest(input: InitInput): BundleManifestInput {
  const onnx: BundleFile = { path: input.onnxPath, role: 'onnx' };
  const { task, preprocessing, postprocessing, labels } = guessTask(input);
  const producer = input.graph.producer ? ` (exported by ${input.graph.producer})` : '';
  return {
    schemaVersion: 1,
    name: input.name,
    version: '0.1.0',
    task,
    description: `TODO: what ${input.name} does (written by ferry init from ${input.onnxPath})`,
    license: 'UNLICENSED',
    source: { description: `TODO: where ${input.onnxPath} comes from${producer}` },
    files: [onnx, ...input.otherFiles],
    signature: {
      inputs: input.graph.inputs.map((t) => specOf(t, 'input')),
      outputs: input.graph.outputs.map((t) => specOf(t, 'output')),
    },
    runtime: runtimeHints(input.graph),
    preprocessing,
    postprocessing,
    ...(labels ? { labels } : {}),
  };
}

/** A concrete example shape: symbolic dimensions become 1. */
function exampleShape(spec: TensorSpec): number[] {
  return spec.shape.map((d) => (typeof d === 'number' ? d : 1));
}

function tensorSkeleton(spec: TensorSpec) {
  const type: ElementType = spec.type;
  return {
    type,
    shape: exampleShape(spec),
    data: [] as number[],
    ...(type === 'int64' || type === 'uint64' ? { note: 'int64: pass a BigInt64Array to run()' } : {}),
  };
}

/** `samples.json` to fill in: one example with every input and output of the signature, data empty. */
export function samplesSkeleton(manifest: BundleManifestInput) {
  const entries = (specs: readonly TensorSpec[]) =>
    Object.fromEntries(specs.map((s) => [s.name, tensorSkeleton(s)]));
  return {
    model: manifest.name,
    description:
      'TODO: example inputs and the outputs they must give. Symbolic dimensions are shown as 1; data is row-major.',
    samples: [
      {
        id: 'example-1',
        input: entries(manifest.signature.inputs),
        expected: entries(manifest.signature.outputs),
      },
    ],
  };
}

/**
 * A reference profile to fill in (shared/schemas/reference-profile.ts), kept out of ferry.json
 * until it holds real held-out data: list it with role `reference` then.
 */
export function referenceSkeleton(manifest: BundleManifestInput) {
  const output = manifest.signature.outputs[0]?.name ?? 'output';
  return {
    sampleCount: 1,
    description: `TODO: histograms of ${manifest.name}'s inputs and of its predictions (${output}) on held-out data (see docs/drift.md), then list this file in ferry.json with role "reference"`,
    features: [
      {
        name: 'example_feature',
        kind: 'numeric',
        description: `TODO: one numeric feature; measure it with { kind: "column" | "image" | "text", … } when the runtime can`,
        edges: [0, 0.5, 1],
        counts: [0, 1],
      },
    ],
    ...(manifest.labels?.length
      ? { predictions: { labels: manifest.labels, counts: manifest.labels.map((_, i) => (i === 0 ? 1 : 0)) } }
      : {}),
  };
}
