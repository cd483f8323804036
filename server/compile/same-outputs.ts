import type * as OrtNode from 'onnxruntime-node';
import type { InferenceSession, Tensor } from 'onnxruntime-node';
import { plainOrtReason, ortSessionLogOptions } from '../services/onnx-check.ts';

type Ort = typeof OrtNode;
type TensorData = Tensor['data'];

/**
 * Sizes tried for a symbolic dimension, in order, until the original model runs: 1 suits most
 * graphs; convolutional ones with strided, concatenated paths (PaddleOCR's detector) need a side
 * that survives their downsampling.
 */
const SYMBOLIC_SIZES = [1, 32, 64] as const;

/** Outputs agree when |a − b| ≤ ABS + REL·|a|: fused kernels may round differently, not compute differently. */
const ABS = 1e-4;
const REL = 1e-3;

// A fixed-seed linear congruential generator: the same inputs on every publish, so a refusal repeats.
function filler(): () => number {
  let seed = 0x9e3779b9;
  return () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 2 ** 32;
  };
}

/**
 * Test data for one input: floats in [0, 1), integers 0 (a valid index for any embedding or
 * gather), `false`, empty strings. Undefined for a type it cannot make (then nothing is compared).
 */
function dataFor(type: string, length: number, next: () => number): TensorData | undefined {
  switch (type) {
    case 'float32':
      return Float32Array.from({ length }, next);
    case 'float64':
      return Float64Array.from({ length }, next);
    case 'float16':
      return new Uint16Array(length).fill(0x3800); // 0.5
    case 'int8':
      return new Int8Array(length);
    case 'uint8':
      return new Uint8Array(length);
    case 'int16':
      return new Int16Array(length);
    case 'uint16':
      return new Uint16Array(length);
    case 'int32':
      return new Int32Array(length);
    case 'uint32':
      return new Uint32Array(length);
    case 'int64':
      return new BigInt64Array(length);
    case 'uint64':
      return new BigUint64Array(length);
    case 'bool':
      return new Uint8Array(length);
    case 'string':
      return Array.from({ length }, () => '');
    default:
      return undefined;
  }
}

function feedsFor(ort: Ort, session: InferenceSession, symbolic: number): Record<string, Tensor> | string {
  const next = filler();
  const feeds: Record<string, Tensor> = {};
  for (const input of session.inputMetadata) {
    if (!input.isTensor) return `input "${input.name}" is not a tensor`;
    const dims = input.shape.map((d) => (typeof d === 'number' && d >= 0 ? d : symbolic));
    const data = dataFor(
      input.type,
      dims.reduce((a, b) => a * b, 1),
      next,
    );
    if (!data) return `input "${input.name}" has type ${input.type}`;
    feeds[input.name] = new ort.Tensor(input.type as Tensor.Type, data as Tensor.DataType, dims);
  }
  return feeds;
}

function differs(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' && typeof b === 'number') {
    if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) !== Number.isNaN(b);
    if (!Number.isFinite(a) || !Number.isFinite(b)) return a !== b;
    return Math.abs(a - b) > ABS + REL * Math.abs(a);
  }
  return a !== b; // bigints, booleans and strings agree only when equal
}

/** Why `got` is not `want` (the first difference), or undefined when they agree. */
function compareOutputs(
  want: InferenceSession.ReturnType,
  got: InferenceSession.ReturnType,
): string | undefined {
  for (const name of Object.keys(want)) {
    const a = want[name] as Tensor;
    const b = got[name];
    if (!b) return `output "${name}" is missing`;
    if (a.type !== b.type || a.dims.join() !== b.dims.join()) {
      return `output "${name}" is ${b.type} [${b.dims.join(', ')}], not ${a.type} [${a.dims.join(', ')}]`;
    }
    const x = a.data as ArrayLike<unknown>;
    const y = b.data as ArrayLike<unknown>;
    for (let i = 0; i < x.length; i++) {
      if (differs(x[i], y[i])) return `output "${name}"[${i}] is ${String(y[i])}, not ${String(x[i])}`;
    }
  }
  return undefined;
}

/**
 * Runs `original` and `compiled` on the same fixed test inputs (onnxruntime-node, no further graph
 * optimisation, so the original runs as written) and says why the compiled form cannot stand in
 * for the original: a load or run that fails, or outputs that differ. Undefined when they agree.
 */
export async function whyNotTheSame(original: Uint8Array, compiled: Uint8Array): Promise<string | undefined> {
  const ort = await import('onnxruntime-node');
  let want: InferenceSession;
  try {
    want = await ort.InferenceSession.create(original, {
      graphOptimizationLevel: 'disabled',
      ...ortSessionLogOptions(ort),
    });
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  try {
    return await whyNotTheSameAs(want, compiled);
  } finally {
    await want.release();
  }
}

/**
 * {@link whyNotTheSame} for an original already loaded as written (`want`, which the caller
 * releases): a publish loads each original once, to check its signature and to compare with.
 */
export async function whyNotTheSameAs(
  want: InferenceSession,
  compiled: Uint8Array,
): Promise<string | undefined> {
  const ort = await import('onnxruntime-node');
  const options = { graphOptimizationLevel: 'disabled' as const, ...ortSessionLogOptions(ort) };
  let got: InferenceSession | undefined;
  try {
    got = await ort.InferenceSession.create(compiled, options).catch((error: unknown) => {
      throw new Error(`onnxruntime cannot load it: ${plainOrtReason(String(error))}`);
    });
    for (const symbolic of SYMBOLIC_SIZES) {
      const feeds = feedsFor(ort, want, symbolic);
      if (typeof feeds === 'string') return `no test inputs: ${feeds}`;
      let expected: InferenceSession.ReturnType;
      try {
        expected = await want.run(feeds);
      } catch {
        continue; // these sizes do not suit the graph; try the next
      }
      const actual = await got.run(feeds).catch((error: unknown) => {
        throw new Error(`it fails where the original runs: ${plainOrtReason(String(error))}`);
      });
      return compareOutputs(expected, actual);
    }
    return 'the original model ran on none of the test inputs';
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    await got?.release();
  }
}
