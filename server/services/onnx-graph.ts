import protobuf from 'protobufjs/light.js';
import type { ElementType } from '$shared';

// The part of onnx.proto (https://github.com/onnx/onnx/blob/main/onnx/onnx.proto) that `ferry
// init` reads and the test fixtures write, with onnx.proto's own field numbers. Fields left out
// are skipped by the decoder, so the weights (TensorProto.raw_data) are never copied.
const schema = {
  nested: {
    onnx: {
      nested: {
        ModelProto: {
          fields: {
            irVersion: { id: 1, type: 'int64' },
            opsetImport: { id: 8, type: 'OperatorSetIdProto', rule: 'repeated' },
            producerName: { id: 2, type: 'string' },
            producerVersion: { id: 3, type: 'string' },
            docString: { id: 6, type: 'string' },
            graph: { id: 7, type: 'GraphProto' },
          },
        },
        OperatorSetIdProto: {
          fields: { domain: { id: 1, type: 'string' }, version: { id: 2, type: 'int64' } },
        },
        GraphProto: {
          fields: {
            node: { id: 1, type: 'NodeProto', rule: 'repeated' },
            name: { id: 2, type: 'string' },
            initializer: { id: 5, type: 'TensorProto', rule: 'repeated' },
            input: { id: 11, type: 'ValueInfoProto', rule: 'repeated' },
            output: { id: 12, type: 'ValueInfoProto', rule: 'repeated' },
          },
        },
        NodeProto: {
          fields: {
            input: { id: 1, type: 'string', rule: 'repeated' },
            output: { id: 2, type: 'string', rule: 'repeated' },
            name: { id: 3, type: 'string' },
            opType: { id: 4, type: 'string' },
            domain: { id: 7, type: 'string' },
            attribute: { id: 5, type: 'AttributeProto', rule: 'repeated' },
          },
        },
        AttributeProto: {
          fields: {
            name: { id: 1, type: 'string' },
            type: { id: 20, type: 'int32' },
            f: { id: 2, type: 'float' },
            i: { id: 3, type: 'int64' },
            t: { id: 5, type: 'TensorProto' },
          },
        },
        TensorProto: {
          fields: {
            dims: { id: 1, type: 'int64', rule: 'repeated' },
            dataType: { id: 2, type: 'int32' },
            floatData: { id: 4, type: 'float', rule: 'repeated' },
            name: { id: 8, type: 'string' },
          },
        },
        ValueInfoProto: {
          fields: {
            name: { id: 1, type: 'string' },
            type: { id: 2, type: 'TypeProto' },
            docString: { id: 3, type: 'string' },
          },
        },
        TypeProto: {
          fields: {
            tensorType: { id: 1, type: 'TensorTypeProto' },
            sequenceType: { id: 4, type: 'bytes' },
            mapType: { id: 5, type: 'bytes' },
            sparseTensorType: { id: 8, type: 'bytes' },
            optionalType: { id: 9, type: 'bytes' },
          },
        },
        // TypeProto.Tensor in onnx.proto; a nested message there, the same bytes here.
        TensorTypeProto: {
          fields: { elemType: { id: 1, type: 'int32' }, shape: { id: 2, type: 'TensorShapeProto' } },
        },
        TensorShapeProto: { fields: { dim: { id: 1, type: 'Dimension', rule: 'repeated' } } },
        Dimension: {
          fields: { dimValue: { id: 1, type: 'int64' }, dimParam: { id: 2, type: 'string' } },
        },
      },
    },
  },
};

const root = protobuf.Root.fromJSON(schema);
const ModelProto = root.lookupType('onnx.ModelProto');

// TensorProto.DataType of onnx.proto → the element type names of shared/schemas/manifest.ts.
const ELEMENT_TYPES: Record<number, ElementType> = {
  1: 'float32',
  2: 'uint8',
  3: 'int8',
  4: 'uint16',
  5: 'int16',
  6: 'int32',
  7: 'int64',
  8: 'string',
  9: 'bool',
  10: 'float16',
  11: 'float64',
  12: 'uint32',
  13: 'uint64',
};

/** One dimension as the graph declares it: a size, a symbolic name, or nothing (`null`). */
export type GraphDim = number | string | null;

/** A graph input or output as stored in the ONNX file. */
export interface GraphTensor {
  name: string;
  /** The element type, or a description of what Ferry cannot carry (`sequence`, `complex64`, …). */
  type: ElementType | { unsupported: string };
  /** `null` when the file declares no shape at all (any rank). */
  shape: GraphDim[] | null;
}

/** What `ferry init` needs from an ONNX file. */
export interface OnnxGraph {
  producer: string;
  opsets: { domain: string; version: number }[];
  /** The real inputs: graph inputs that are not initializers (weights). */
  inputs: GraphTensor[];
  outputs: GraphTensor[];
  /** Every operator type used by the main graph, e.g. `Conv`, `com.microsoft.QAttention`. */
  operators: string[];
}

interface DecodedValueInfo {
  name?: string;
  type?: {
    tensorType?: { elemType?: number; shape?: { dim?: { dimValue?: number; dimParam?: string }[] } };
    sequenceType?: unknown;
    mapType?: unknown;
    sparseTensorType?: unknown;
    optionalType?: unknown;
  };
}

interface DecodedModel {
  producerName?: string;
  producerVersion?: string;
  opsetImport?: { domain?: string; version?: number }[];
  graph?: {
    node?: { opType?: string; domain?: string }[];
    initializer?: { name?: string }[];
    input?: DecodedValueInfo[];
    output?: DecodedValueInfo[];
  };
}

function tensorOf(value: DecodedValueInfo): GraphTensor {
  const name = value.name ?? '';
  const type = value.type ?? {};
  if (!type.tensorType) {
    const kind = type.sequenceType
      ? 'sequence'
      : type.mapType
        ? 'map'
        : type.sparseTensorType
          ? 'sparse tensor'
          : type.optionalType
            ? 'optional'
            : 'no type';
    return { name, type: { unsupported: kind }, shape: null };
  }
  const elem = type.tensorType.elemType ?? 0;
  const shape = type.tensorType.shape
    ? (type.tensorType.shape.dim ?? []).map((d): GraphDim => d.dimParam || (d.dimValue ?? null))
    : null;
  return { name, type: ELEMENT_TYPES[elem] ?? { unsupported: `ONNX data type ${elem}` }, shape };
}

/**
 * Reads the inputs, outputs, opsets and operators of an ONNX model from its protobuf bytes,
 * without running it. Throws an Error saying why when the bytes are not an ONNX model.
 */
export function readOnnxGraph(bytes: Uint8Array): OnnxGraph {
  const message = ModelProto.decode(bytes);
  const model = ModelProto.toObject(message, { longs: Number, defaults: false }) as DecodedModel;
  if (!model.graph) throw new Error('no graph: not an ONNX model');
  const graph = model.graph;
  const weights = new Set((graph.initializer ?? []).map((t) => t.name));
  const operators = new Set(
    (graph.node ?? []).map((n) => (n.domain ? `${n.domain}.${n.opType ?? ''}` : (n.opType ?? ''))),
  );
  return {
    producer: [model.producerName, model.producerVersion].filter(Boolean).join(' '),
    opsets: (model.opsetImport ?? []).map((o) => ({ domain: o.domain ?? '', version: o.version ?? 0 })),
    inputs: (graph.input ?? []).filter((v) => !weights.has(v.name)).map(tensorOf),
    outputs: (graph.output ?? []).map(tensorOf),
    operators: [...operators].sort(),
  };
}

/** A plain-object ONNX model in the field names above, for {@link encodeOnnxModel}. */
export type OnnxModelObject = Record<string, unknown>;

/**
 * Encodes a small ONNX model from a plain object (the fields of onnx.proto that this module
 * knows, camelCased). Used to write test fixtures such as a lone `Constant` graph.
 */
export function encodeOnnxModel(model: OnnxModelObject): Uint8Array {
  const invalid = ModelProto.verify(model);
  if (invalid) throw new Error(`not an ONNX model object: ${invalid}`);
  return ModelProto.encode(ModelProto.fromObject(model)).finish();
}
