import { ErrorCode, FerryError, type Signature, type TensorSpec } from '$shared';

type Side = 'inputs' | 'outputs';

/** What onnxruntime reports about one graph input or output. */
export interface GraphValue {
  name: string;
  isTensor: boolean;
  type?: string;
  shape?: readonly (number | string)[];
}

/** A graph's real inputs and outputs. */
export interface GraphSignature {
  inputs: readonly GraphValue[];
  outputs: readonly GraphValue[];
}

/**
 * Loads an ONNX model with onnxruntime-node (the CPU build) and returns its real graph signature.
 * Throws `ONNX_INVALID` naming `file` when the bytes do not load as a model.
 */
export async function readGraphSignature(bytes: Uint8Array, file: string): Promise<GraphSignature> {
  const ort = await import('onnxruntime-node');
  let session: Awaited<ReturnType<typeof ort.InferenceSession.create>>;
  try {
    session = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: 'disabled' });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new FerryError(ErrorCode.ONNX_INVALID, `${file}: not a loadable ONNX model (${reason})`, {
      details: { file },
    });
  }
  try {
    return { inputs: [...session.inputMetadata], outputs: [...session.outputMetadata] };
  } finally {
    await session.release();
  }
}

function mismatch(message: string, field: string, file: string): FerryError {
  return new FerryError(ErrorCode.SIGNATURE_MISMATCH, message, { details: { field, file } });
}

function checkTensor(declared: TensorSpec, actual: GraphValue, at: { field: string; file: string }): void {
  const { field, file } = at;
  if (!actual.isTensor) {
    throw mismatch(`${field}: "${declared.name}" is not a tensor in ${file}`, field, file);
  }
  if (actual.type !== declared.type) {
    throw mismatch(
      `${field}.type: declared ${declared.type} for "${declared.name}" but ${file} has ${actual.type}`,
      `${field}.type`,
      file,
    );
  }
  const shape = actual.shape ?? [];
  // onnxruntime reports an unknown shape as []; then only the declared shape speaks.
  if (shape.length === 0) return;
  if (shape.length !== declared.shape.length) {
    throw mismatch(
      `${field}.shape: declared rank ${declared.shape.length} for "${declared.name}" but ${file} has rank ${shape.length} ([${shape.join(', ')}])`,
      `${field}.shape`,
      file,
    );
  }
  declared.shape.forEach((dim, i) => {
    const real = shape[i];
    if (typeof dim === 'number' && typeof real === 'number' && dim !== real) {
      throw mismatch(
        `${field}.shape[${i}]: declared ${dim} for "${declared.name}" but ${file} has ${real}`,
        `${field}.shape[${i}]`,
        file,
      );
    }
  });
}

function checkSide(
  declared: readonly TensorSpec[],
  actual: readonly GraphValue[],
  at: { side: Side; file: string },
) {
  const byName = new Map(actual.map((value) => [value.name, value]));
  const declaredNames = new Set(declared.map((spec) => spec.name));
  const names = actual.map((v) => `"${v.name}"`).join(', ');
  declared.forEach((spec, index) => {
    const field = `signature.${at.side}[${index}]`;
    const real = byName.get(spec.name);
    if (!real) {
      throw mismatch(
        `${field}.name: declared "${spec.name}" but ${at.file} has ${names}`,
        `${field}.name`,
        at.file,
      );
    }
    checkTensor(spec, real, { field, file: at.file });
  });
  const undeclared = actual.find((value) => !declaredNames.has(value.name));
  if (undeclared) {
    const field = `signature.${at.side}`;
    throw mismatch(
      `${field}: ${at.file} has ${at.side.slice(0, -1)} "${undeclared.name}" that is not declared`,
      field,
      at.file,
    );
  }
}

/**
 * Compares a declared signature with a graph's real one: names as sets, element types, ranks,
 * and fixed dimensions (symbolic ones may be anything). Throws `SIGNATURE_MISMATCH` naming the
 * first field at fault.
 */
export function checkSignature(declared: Signature, actual: GraphSignature, file: string): void {
  checkSide(declared.inputs, actual.inputs, { side: 'inputs', file });
  checkSide(declared.outputs, actual.outputs, { side: 'outputs', file });
}
