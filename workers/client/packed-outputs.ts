import type { ElementType } from '$shared/schemas/manifest.ts';
import type { TensorOutput } from '../types.ts';

/** One output's name, element type and dims, as a run() reply's layout lists them. */
export interface OutputShape {
  name: string;
  type: ElementType;
  dims: number[];
}

/**
 * Outputs as run() replies carry them: the data of each output in the order of `layout`, with
 * the layout (names, types, dims) sent once per model and channel instead of in every reply, as
 * the labels are (packed-scores.ts). Per output, a name, a type string, a dims array and the
 * object around them made digits' reply cost a structured clone more than its ten floats did, on
 * both threads.
 */
export interface PackedOutputs {
  data: TensorOutput['data'][];
  /** Set when the layout differs from what the channel last sent for the model (first reply, new version, new dims). */
  layout?: OutputShape[];
}

/** Whether `output` is `shape` (same type and dims) under `name`. */
function sameShape(shape: OutputShape | undefined, name: string, output: TensorOutput): boolean {
  if (!shape || shape.name !== name || shape.type !== output.type) return false;
  const { dims } = output;
  if (shape.dims.length !== dims.length) return false;
  for (let i = 0; i < dims.length; i++) if (shape.dims[i] !== dims[i]) return false;
  return true;
}

/**
 * Packs `outputs` for a channel that last sent `known` as the model's layout; `layout` comes back
 * set (a new array) when any output's name, type or dims differ from it.
 */
export function packOutputs(
  outputs: Record<string, TensorOutput>,
  known: readonly OutputShape[] | undefined,
): PackedOutputs {
  const data: TensorOutput['data'][] = [];
  let same = true;
  for (const name in outputs) {
    const output = outputs[name] as TensorOutput;
    if (same && !sameShape(known?.[data.length], name, output)) same = false;
    data.push(output.data);
  }
  if (same && known?.length === data.length) return { data };
  const layout: OutputShape[] = [];
  for (const name in outputs) {
    const { type, dims } = outputs[name] as TensorOutput;
    layout.push({ name, type, dims: dims.slice() });
  }
  return { data, layout };
}

/**
 * The outputs `data` stands for, named, typed and shaped from `layout` (what the channel last
 * received for the model); each output gets a dims array of its own.
 */
export function unpackOutputs(
  data: readonly TensorOutput['data'][],
  layout: readonly OutputShape[],
): Record<string, TensorOutput> {
  const outputs: Record<string, TensorOutput> = {};
  for (let i = 0; i < data.length; i++) {
    const { name, type, dims } = layout[i] as OutputShape;
    outputs[name] = { type, dims: dims.slice(), data: data[i] as TensorOutput['data'] };
  }
  return outputs;
}
