import type { RunInput, TensorOutput } from '../types.ts';

/**
 * The ArrayBuffers behind the typed arrays of `input` (tensors' `data`, an image's pixels, a
 * result's outputs), each once, skipping SharedArrayBuffers (shared already, and not transferable).
 */
export function transferablesOf(input: RunInput | Record<string, TensorOutput>): ArrayBuffer[] {
  const buffers: ArrayBuffer[] = [];
  if (typeof input !== 'object' || input === null) return buffers;
  // A loop and an array rather than Object.values and a Set: this runs twice on every run().
  for (const key in input) {
    const data = (input[key as keyof typeof input] as { data?: unknown } | null)?.data;
    if (ArrayBuffer.isView(data) && data.buffer instanceof ArrayBuffer && !buffers.includes(data.buffer)) {
      buffers.push(data.buffer);
    }
  }
  return buffers;
}

/** `input` with an `ImageData` replaced by a plain `{ data, width, height }` (what the worker reads). */
export function plainImage(input: RunInput): RunInput {
  if (typeof input !== 'object' || input === null || !('image' in input)) return input;
  const image = input.image as unknown as { data: Uint8ClampedArray; width: number; height: number };
  if (typeof ImageData !== 'undefined' && image instanceof ImageData) {
    return { image: { data: image.data, width: image.width, height: image.height } };
  }
  return input;
}
