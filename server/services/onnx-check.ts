import { ErrorCode, FerryError, type Signature, type TensorSpec } from '$shared';
import type * as Ort from 'onnxruntime-node';
import type { InferenceSession } from 'onnxruntime-node';
import type { OrtLogLevel } from '../config.ts';
import { readOnnxGraph } from './onnx-graph.ts';

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

// onnxruntime's messages carry its build paths, C++ signatures and failed asserts
// (`/onnxruntime_src/…/rnn.h:48 onnxruntime::RNN<T>::RNN(…) [with T = float] layout_ == 0 was
// false.`): only the sentence meant for people stays.
const NATIVE_NOISE = [
  /^\s*(?:\[ONNXRuntimeError\]\s*:\s*\d+\s*:\s*\w+\s*:\s*)?/,
  /Exception during initialization:\s*/g,
  /Load model from \S+ failed:\s*/g,
  /(?:\/|[A-Za-z]:\\)\S+\.(?:h|hpp|cc|cpp|c):\d+\s*/g,
  /(?:\b(?:void|bool|int|auto|[\w]+::[\w:<>]+)\s+)?\b(?:onnxruntime|onnx)::\S+?\([^)]*\)(?:\s*(?:const)?\s*\[with [^\]]*\])?\s*/g,
  /\S+ (?:==|!=|<=|>=|<|>) \S+ was false\.\s*/g,
  /\s*If you need support create a github issue[^.]*\./gi,
];

// onnxruntime's own severity numbers (OrtLoggingLevel) by FERRY_ORT_LOG_LEVEL name.
const SEVERITY: Record<OrtLogLevel, 0 | 1 | 2 | 3 | 4> = {
  verbose: 0,
  info: 1,
  warning: 2,
  error: 3,
  fatal: 4,
};

// onnxruntime-node's native logger writes straight to the process's stderr (ANSI-coloured, from
// C++; the Node binding offers no callback to route it), so it cannot pass through Ferry's log.
// Ferry keeps it at `fatal` by default and says what it reported in its own words instead: a
// refusal in the ONNX_INVALID error, an old opset as a warning line (oldOpsetWarning).
let nativeLogLevel: OrtLogLevel = 'fatal';

/** Sets how much of onnxruntime's native log reaches stderr (FERRY_ORT_LOG_LEVEL; for debugging). */
export function setOrtLogLevel(level: OrtLogLevel): void {
  nativeLogLevel = level;
}

// onnxruntime only guarantees opsets from 7 on for the default domain; older ones load with a warning.
const OLDEST_GUARANTEED_OPSET = 7;

/**
 * What onnxruntime's native warning says about a model stamped with an opset below 7, in Ferry's
 * words and without colours (it runs, but onnxruntime does not guarantee it); undefined otherwise.
 */
export function oldOpsetWarning(bytes: Uint8Array, file: string): string | undefined {
  const opset = readOnnxGraph(bytes).opsets.find((o) => o.domain === '' || o.domain === 'ai.onnx');
  if (!opset || opset.version >= OLDEST_GUARANTEED_OPSET) return undefined;
  return `ferry: warning: ${file}: opset ${opset.version} of ai.onnx; onnxruntime only guarantees opset ${OLDEST_GUARANTEED_OPSET} and later (it loads, but consider converting the model to a newer opset)`;
}

/**
 * Session options that keep onnxruntime-node's native log at FERRY_ORT_LOG_LEVEL, with its
 * process-wide level set to match (`ort`: the imported onnxruntime-node).
 */
export function ortSessionLogOptions(ort: { env: { logLevel?: OrtLogLevel } }): {
  logSeverityLevel: 0 | 1 | 2 | 3 | 4;
} {
  ort.env.logLevel = nativeLogLevel;
  return { logSeverityLevel: SEVERITY[nativeLogLevel] };
}

/** onnxruntime's reason in plain words, without native paths (issue 10, point 8). */
export function plainOrtReason(message: string): string {
  let reason = message;
  for (const pattern of NATIVE_NOISE) reason = reason.replace(pattern, '');
  reason = reason.replace(/\s+/g, ' ').trim();
  return reason || 'onnxruntime gave no reason';
}

/**
 * Loads an ONNX model with onnxruntime-node (the CPU build), as written (no graph optimisation):
 * the session the signature is read from and the compiled form is compared with. Throws
 * `ONNX_INVALID` naming `file`: "not a loadable ONNX model" when the bytes do not parse as one,
 * else that onnxruntime cannot load this valid graph and why, in its words minus native detail.
 */
export async function loadOnnxAsWritten(
  ort: typeof Ort,
  bytes: Uint8Array,
  file: string,
): Promise<InferenceSession> {
  try {
    return await ort.InferenceSession.create(bytes, {
      graphOptimizationLevel: 'disabled',
      ...ortSessionLogOptions(ort),
    });
  } catch (error) {
    throw unloadable(bytes, file, error instanceof Error ? error.message : String(error));
  }
}

/** The real graph signature of a loaded model. */
export function signatureOf(session: InferenceSession): GraphSignature {
  return { inputs: [...session.inputMetadata], outputs: [...session.outputMetadata] };
}

/**
 * {@link loadOnnxAsWritten}, then the model's real graph signature; an opset below 7 is logged as
 * a warning ({@link oldOpsetWarning}). Throws as {@link loadOnnxAsWritten} does.
 */
export async function readGraphSignature(bytes: Uint8Array, file: string): Promise<GraphSignature> {
  const ort = await import('onnxruntime-node');
  const session = await loadOnnxAsWritten(ort, bytes, file);
  try {
    const warning = oldOpsetWarning(bytes, file);
    if (warning !== undefined) console.warn(warning);
    return signatureOf(session);
  } finally {
    await session.release();
  }
}

function unloadable(bytes: Uint8Array, file: string, ortMessage: string): FerryError {
  try {
    readOnnxGraph(bytes);
  } catch (error) {
    return new FerryError(
      ErrorCode.ONNX_INVALID,
      `${file}: not a loadable ONNX model (${(error as Error).message})`,
      {
        details: { file, reason: 'not-onnx' },
      },
    );
  }
  return new FerryError(
    ErrorCode.ONNX_INVALID,
    `${file}: a valid ONNX graph that onnxruntime cannot run, so browsers could not either: ${plainOrtReason(ortMessage)}`,
    { details: { file, reason: 'unsupported-by-onnxruntime' } },
  );
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
