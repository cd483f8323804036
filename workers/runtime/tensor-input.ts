import type { ElementType, Signature, TensorSpec } from '$shared/schemas/manifest.ts';
import { invalidInput } from '../errors.ts';
import type { TensorArray, TensorInput, TensorInputs, TensorOutput } from '../types.ts';

/** A tensor ready for the session: type, dims and data agree with each other and the manifest. */
export type Feed = TensorOutput;

const ARRAY_TYPES: [new (n: number) => TensorArray, ElementType[]][] = [
  [Float32Array, ['float32']],
  [Float64Array, ['float64']],
  [Int8Array, ['int8']],
  [Uint8Array, ['uint8', 'bool']],
  [Uint8ClampedArray, ['uint8']],
  [Int16Array, ['int16']],
  [Uint16Array, ['uint16', 'float16']],
  [Int32Array, ['int32']],
  [Uint32Array, ['uint32']],
  [BigInt64Array, ['int64']],
  [BigUint64Array, ['uint64']],
];

/** The typed array class that holds `type` (strings aside). */
function arrayTypeFor(type: ElementType): (new (n: number) => TensorArray) | undefined {
  return ARRAY_TYPES.find(([, types]) => types.includes(type))?.[0];
}

function convertPlain(
  values: readonly number[] | readonly string[],
  spec: TensorSpec,
): TensorArray | string[] {
  if (spec.type === 'string') return values.map(String);
  const ArrayType = arrayTypeFor(spec.type);
  if (!ArrayType || values.some((v) => typeof v !== 'number')) {
    throw invalidInput(spec.name, `expected numbers for a ${spec.type} tensor`);
  }
  const out = new ArrayType(values.length);
  const big = out instanceof BigInt64Array || out instanceof BigUint64Array;
  values.forEach((v, i) => (out[i] = big ? BigInt(Math.trunc(v as number)) : (v as number)));
  return out;
}

/** One declared input, with what its checks need worked out once per model. */
interface CompiledSpec {
  spec: TensorSpec;
  /** The typed array classes that may hold it (strings aside). */
  classes: (new (n: number) => TensorArray)[];
}

function compile(spec: TensorSpec): CompiledSpec {
  return { spec, classes: ARRAY_TYPES.filter(([, types]) => types.includes(spec.type)).map(([C]) => C) };
}

/** Whether `data` is an instance of one of `classes` (a loop: this runs for every input of every run()). */
function isInstanceOfAny(data: unknown, classes: readonly (new (n: number) => TensorArray)[]): boolean {
  for (const C of classes) if (data instanceof C) return true;
  return false;
}

function typedData(input: TensorInput, { spec, classes }: CompiledSpec): TensorArray | string[] {
  if (Array.isArray(input.data)) return convertPlain(input.data, spec);
  const data = input.data as TensorArray;
  if ((input.type !== undefined && input.type !== spec.type) || !isInstanceOfAny(data, classes)) {
    throw invalidInput(spec.name, `the model takes ${spec.type}, got ${data.constructor.name}`);
  }
  return data;
}

/** Whether `dims` is an array of non-negative integers. */
function validDims(dims: unknown): dims is number[] {
  if (!Array.isArray(dims)) return false;
  for (const d of dims) if (!Number.isInteger(d) || d < 0) return false;
  return true;
}

/**
 * The dims to feed: as given, except that a one-element tensor (`[1]`, `[1, 1]`, …) for a rank-0
 * input becomes a scalar, as onnxruntime itself accepts it (Silero VAD's `sr` is declared `[]`).
 */
function feedDims(given: readonly number[], spec: TensorSpec): number[] {
  if (spec.shape.length === 0 && given.length > 0 && given.every((d) => d === 1)) return [];
  return given.slice();
}

/**
 * Checks one tensor against its declared spec and returns it as a feed: the rank must match,
 * fixed dimensions must match exactly, symbolic ones (`'batch'`, `'sequence'`) take any size.
 */
function toFeed(input: TensorInput, compiled: CompiledSpec): Feed {
  const { spec } = compiled;
  const data = typedData(input, compiled);
  if (!validDims(input.dims)) throw invalidInput(spec.name, 'dims must be a list of non-negative integers');
  const dims = feedDims(input.dims, spec);
  const { shape } = spec;
  if (dims.length !== shape.length) {
    const declared = `[${shape.join(', ')}]`;
    throw invalidInput(
      spec.name,
      `expected ${shape.length} dimensions ${declared}, got [${input.dims.join(', ')}]`,
    );
  }
  let count = 1;
  for (let i = 0; i < dims.length; i++) {
    const dim = shape[i];
    if (typeof dim === 'number' && dims[i] !== dim) {
      throw invalidInput(spec.name, `dimension ${i} must be ${dim}, got ${dims[i]}`);
    }
    count *= dims[i] as number;
  }
  if (count !== data.length) {
    throw invalidInput(spec.name, `dims [${dims.join(', ')}] need ${count} values, got ${data.length}`);
  }
  return { type: spec.type, dims, data };
}

/**
 * Named tensors checked against the graph signature (every declared input, nothing else), with
 * the per-input work done once here rather than on every run: run() checks each call's tensors.
 */
export function tensorFeeder(signature: Signature): (inputs: TensorInputs) => Record<string, Feed> {
  const specs = signature.inputs.map(compile);
  const declared = new Set(signature.inputs.map((s) => s.name));
  return (inputs) => {
    for (const name in inputs) {
      if (!declared.has(name)) {
        throw invalidInput(name, `not an input of this model (inputs: ${[...declared].join(', ')})`);
      }
    }
    const feeds: Record<string, Feed> = {};
    for (const compiled of specs) {
      const input = inputs[compiled.spec.name];
      if (!input) throw invalidInput(compiled.spec.name, 'missing input');
      feeds[compiled.spec.name] = toFeed(input, compiled);
    }
    return feeds;
  };
}
