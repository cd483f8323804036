import type { RunInput, TensorArray, TensorInput, TensorOutput } from '../types.ts';

/**
 * The shared-memory run slot: one SharedArrayBuffer per worker through which a run() that fits
 * travels without a postMessage (run-channel.ts). A postMessage costs the page's main thread
 * 35–65 µs of CPU per call on its own (its structured clone, the message task, the wake-up); the
 * slot costs it a copy of the input bytes, an `Atomics.notify` and one `Atomics.waitAsync`.
 *
 * Layout: an Int32 header (the state word first, what `Atomics` waits on), a Float64 for the
 * worker's latency and one for when it released the slot's last run, then the body: the request
 * (model id, then each input tensor: name, type, array kind, dims, bytes), overwritten in place
 * by the answer (score pairs, then each output's
 * array kind and bytes). Strings are UTF-16 code units: the worker cannot `TextDecoder.decode`
 * a shared view, and names are short.
 */

/** The state word's values: whose turn it is. */
export const SlotState = {
  /** The page may write a request. */
  FREE: 0,
  /** The page wrote a request; the worker owns the slot until it answers. */
  REQUESTED: 1,
  /** The worker wrote its answer into the slot. */
  ANSWERED: 2,
  /** The worker answered by postMessage (an error, a new layout or labels, boxes, too large). */
  POSTED: 3,
} as const;

/** Header words (Int32 indexes); `STATE` is the word `Atomics` waits on and wakes. */
export const STATE = 0;
/** The request's sequence number (RunRequest.ferryRun). */
export const SEQUENCE = 1;
/** Page → worker: how many layout/labels updates the page had received for the model (see RunRequest.known). */
const KNOWN = 2;
const MODEL_LENGTH = 3;
const COUNT = 4;
/** Worker → page: the number of score values (pairs × 2), or -1 for no scores. */
const SCORES = 5;
/** The Float64 index of the latency. */
const LATENCY = 3;
/**
 * The Float64 index of when the worker released the last run (its performance.now(); 0 before
 * the first), which only the worker reads.
 */
export const RELEASED = 4;
/** The body's first byte: right after the last header field, RELEASED. */
const BODY = (RELEASED + 1) * 8; // a Float64 is 8 bytes (a literal, so that the build folds it to 40)

/** The slot's size when first made: digits' request is ~300 bytes, its answer ~200. */
export const SLOT_BYTES = 64 * 1024;

/** Typed array kinds by the code the slot stores; a kind missing here (Float16Array, …) is posted. */
const KINDS = [
  Float32Array,
  Float64Array,
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  BigInt64Array,
  BigUint64Array,
] as const;

/** `Atomics.waitAsync` (ES2024; Chrome 87, Safari 16.4, Firefox 145), undefined where missing. */
export const waitAsync = (
  Atomics as {
    waitAsync?: (
      array: Int32Array,
      index: number,
      value: number,
    ) =>
      | { async: false; value: 'not-equal' | 'timed-out' }
      | { async: true; value: Promise<'ok' | 'timed-out'> };
  }
).waitAsync;

/** Views of one slot's SharedArrayBuffer. */
export interface RunSlot {
  readonly buffer: SharedArrayBuffer;
  /** The header; word 0 is the state ({@link SlotState}). */
  readonly words: Int32Array;
  readonly floats: Float64Array;
  readonly bytes: Uint8Array;
  readonly chars: Uint16Array;
}

/** Views of `buffer` (a new slot of {@link SLOT_BYTES} when none is given). */
export function runSlotOf(buffer = new SharedArrayBuffer(SLOT_BYTES)): RunSlot {
  return {
    buffer,
    words: new Int32Array(buffer),
    floats: new Float64Array(buffer),
    bytes: new Uint8Array(buffer),
    chars: new Uint16Array(buffer),
  };
}

/** A run request as the worker reads it from the slot. */
export interface SlotRequest {
  ferryRun: number;
  model: string;
  known: number;
  input: RunInput;
}

/** The code of `data`'s typed array kind, or -1 when the slot cannot carry it. */
function kindOf(data: unknown): number {
  if (!ArrayBuffer.isView(data) || !(data.buffer instanceof ArrayBuffer)) return -1;
  return KINDS.indexOf((data as TensorArray).constructor as (typeof KINDS)[number]);
}

const align4 = (offset: number) => (offset + 3) & ~3;
// Tensor bytes start 8-aligned, so that a view of their own kind (BigInt64Array, Float64Array)
// can be made on the slot: copying through one is several times cheaper than `slice`, which
// copies shared memory byte by byte.
const align8 = (offset: number) => (offset + 7) & ~7;

/** A copy, in memory of its own, of the `Kind` elements in `span` (8-aligned) of `shared`. */
function copyOut(
  Kind: (typeof KINDS)[number],
  shared: SharedArrayBuffer,
  span: { offset: number; byteLength: number },
): TensorArray {
  const length = span.byteLength / Kind.BYTES_PER_ELEMENT;
  const copy = new (Kind as Float32ArrayConstructor)(length);
  copy.set(new (Kind as Float32ArrayConstructor)(shared as unknown as ArrayBuffer, span.offset, length));
  return copy;
}

/** Writes `text` at byte `offset` (4-aligned); returns the offset after it, 4-aligned, or -1 when it does not fit. */
function writeText(slot: RunSlot, offset: number, text: string): number {
  const end = align4(offset + 2 * text.length);
  if (end > slot.bytes.length) return -1;
  const at = offset / 2;
  for (let i = 0; i < text.length; i++) slot.chars[at + i] = text.charCodeAt(i);
  return end;
}

function readText(slot: RunSlot, offset: number, length: number): string {
  return String.fromCharCode.apply(
    null,
    slot.chars.subarray(offset / 2, offset / 2 + length) as unknown as number[],
  );
}

/**
 * Writes a run request into `slot` (which the page owns: FREE) and returns true, or returns false
 * when `input` is not named tensors of typed arrays with integer dims, or does not fit; the state
 * word is left as it was either way (the caller hands the slot over).
 */
export function writeRequest(slot: RunSlot, request: SlotRequest): boolean {
  const { input } = request;
  if (typeof input !== 'object' || input === null) return false;
  const { words, bytes } = slot;
  let offset = writeText(slot, BODY, request.model);
  let count = 0;
  for (const name in input) {
    const tensor = (input as Record<string, unknown>)[name] as Partial<TensorInput> | null;
    if (typeof tensor !== 'object' || tensor === null) return false;
    const { data, dims, type } = tensor;
    const kind = kindOf(data);
    // Empty or detached data goes by postMessage, which refuses a detached buffer as it always did.
    if (kind < 0 || (data as TensorArray).byteLength === 0 || !Array.isArray(dims)) return false;
    if (type !== undefined && typeof type !== 'string') return false;
    if (offset < 0 || offset + 20 > bytes.length) return false;
    const at = offset / 4;
    words[at] = name.length;
    words[at + 1] = type === undefined ? -1 : type.length;
    words[at + 2] = kind;
    words[at + 3] = dims.length;
    offset = writeText(slot, offset + 20, name);
    if (type !== undefined && offset >= 0) offset = writeText(slot, offset, type);
    if (offset < 0 || offset + 4 * dims.length > bytes.length) return false;
    for (let i = 0; i < dims.length; i++) {
      const dim = dims[i];
      if (typeof dim !== 'number' || (dim | 0) !== dim) return false;
      words[offset / 4 + i] = dim;
    }
    offset = align8(offset + 4 * dims.length);
    const array = data as TensorArray;
    if (offset + array.byteLength > bytes.length) return false;
    words[at + 4] = array.byteLength;
    bytes.set(new Uint8Array(array.buffer, array.byteOffset, array.byteLength), offset);
    offset = align8(offset + array.byteLength);
    count++;
  }
  if (offset < 0) return false;
  words[SEQUENCE] = request.ferryRun;
  words[KNOWN] = request.known;
  words[MODEL_LENGTH] = request.model.length;
  words[COUNT] = count;
  return true;
}

/** The request the page wrote into `slot`; its tensors' data are copies the worker owns. */
export function readRequest(slot: RunSlot): SlotRequest {
  const { words } = slot;
  const modelLength = words[MODEL_LENGTH] as number;
  const model = readText(slot, BODY, modelLength);
  let offset = align4(BODY + 2 * modelLength);
  const input: Record<string, TensorInput> = {};
  for (let n = words[COUNT] as number; n > 0; n--) {
    const at = offset / 4;
    const nameLength = words[at] as number;
    const typeLength = words[at + 1] as number;
    const Kind = KINDS[words[at + 2] as number] as (typeof KINDS)[number];
    const rank = words[at + 3] as number;
    const byteLength = words[at + 4] as number;
    const name = readText(slot, offset + 20, nameLength);
    offset = align4(offset + 20 + 2 * nameLength);
    const tensor: { data: TensorArray; dims: number[]; type?: string } = {
      data: new Float32Array(0),
      dims: [],
    };
    if (typeLength >= 0) {
      tensor.type = readText(slot, offset, typeLength);
      offset = align4(offset + 2 * typeLength);
    }
    for (let i = 0; i < rank; i++) tensor.dims.push(words[offset / 4 + i] as number);
    offset = align8(offset + 4 * rank);
    tensor.data = copyOut(Kind, slot.buffer, { offset, byteLength });
    offset = align8(offset + byteLength);
    input[name] = tensor as TensorInput;
  }
  return { ferryRun: words[SEQUENCE] as number, model, known: words[KNOWN] as number, input };
}

/** A slot answer: outputs' data in layout order (fresh arrays of its own when the page read them), the worker's latency, packed score pairs. */
export interface SlotAnswer {
  data: TensorOutput['data'][];
  latencyMs: number;
  /** Packed score pairs (packed-scores.ts). */
  scores?: number[];
}

/**
 * Writes an answer (outputs' data in layout order, packed score pairs) over the request in `slot`
 * and returns true, or returns false when an output is not a typed array the slot carries or the
 * answer does not fit (the worker then posts it).
 */
export function writeAnswer(slot: RunSlot, { data, latencyMs, scores: pairs }: SlotAnswer): boolean {
  const { words, floats, bytes } = slot;
  let offset = BODY + 8 * (pairs?.length ?? 0);
  for (const array of data) {
    const kind = kindOf(array);
    if (kind < 0) return false;
    offset += 8 + align8((array as TensorArray).byteLength);
  }
  if (offset > bytes.length) return false;
  floats[LATENCY] = latencyMs;
  words[SCORES] = pairs ? pairs.length : -1;
  if (pairs) floats.set(pairs, BODY / 8);
  offset = BODY + 8 * (pairs?.length ?? 0);
  for (const array of data as readonly TensorArray[]) {
    words[offset / 4] = kindOf(array);
    words[offset / 4 + 1] = array.byteLength;
    bytes.set(new Uint8Array(array.buffer, array.byteOffset, array.byteLength), offset + 8);
    offset += 8 + align8(array.byteLength);
  }
  return true;
}

/** Reads the answer of `count` outputs the worker wrote into `slot`. */
export function readAnswer(slot: RunSlot, count: number): SlotAnswer {
  const { words, floats } = slot;
  const scoreCount = words[SCORES] as number;
  const answer: SlotAnswer = { data: [], latencyMs: floats[LATENCY] as number };
  if (scoreCount >= 0) {
    // A loop, not Array.from: that iterates the view, several times slower on the page's main thread.
    const scores: number[] = [];
    for (let i = 0; i < scoreCount; i++) scores.push(floats[BODY / 8 + i] as number);
    answer.scores = scores;
  }
  let offset = BODY + 8 * Math.max(scoreCount, 0);
  for (let i = 0; i < count; i++) {
    const Kind = KINDS[words[offset / 4] as number] as (typeof KINDS)[number];
    const byteLength = words[offset / 4 + 1] as number;
    answer.data.push(copyOut(Kind, slot.buffer, { offset: offset + 8, byteLength }));
    offset += 8 + align8(byteLength);
  }
  return answer;
}
