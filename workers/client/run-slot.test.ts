import { describe, expect, it } from 'vitest';
import type { TensorInput } from '../types.ts';
import {
  readAnswer,
  readRequest,
  RELEASED,
  runSlotOf,
  SLOT_BYTES,
  writeAnswer,
  writeRequest,
} from './run-slot.ts';

const request = (input: unknown, model = 'digits#0') => ({ ferryRun: 7, model, known: 2, input }) as never;

describe('run slot layout', () => {
  it('reads back the request it wrote: model, sequence, known count, each tensor as a copy of its own', () => {
    const slot = runSlotOf();
    const pixels = new Float32Array([0.5, -1, 3e9, Number.NaN]).subarray(1);
    const ids = new BigInt64Array([2n ** 62n, -5n]);
    const mask = new Uint8Array([1, 0, 1]);
    const input = {
      pixels: { data: pixels, dims: [1, 3] },
      ids: { data: ids, dims: [2], type: 'int64' },
      mask: { data: mask, dims: [] },
    };
    expect(writeRequest(slot, request(input, 'ünïcode model'))).toBe(true);
    const read = readRequest(slot);
    expect(read).toMatchObject({ ferryRun: 7, model: 'ünïcode model', known: 2 });
    expect(Object.keys(read.input)).toEqual(['pixels', 'ids', 'mask']);
    const tensors = read.input as Record<string, TensorInput>;
    expect(tensors.pixels).toEqual({ data: new Float32Array([-1, 3e9, Number.NaN]), dims: [1, 3] });
    expect(tensors.ids).toEqual({ data: ids, dims: [2], type: 'int64' });
    expect(tensors.mask).toEqual({ data: mask, dims: [] });
    for (const tensor of Object.values(tensors)) {
      expect((tensor.data as Uint8Array).buffer, 'copied out of shared memory').toBeInstanceOf(ArrayBuffer);
    }
    expect('type' in tensors.pixels!, 'no type when the caller gave none').toBe(false);
  });

  it('refuses, touching no state, what it cannot lay out: text, numbers, plain arrays, strings, empty or shared data', () => {
    const slot = runSlotOf();
    const refused: unknown[] = [
      'some text',
      { text: 'some text' },
      { 'mean radius': 14.2 },
      { pixels: { data: [1, 2, 3], dims: [3] } },
      { words: { data: ['a'], dims: [1] } },
      { pixels: { data: new Float32Array(0), dims: [0] } },
      { pixels: { data: new Float32Array(new SharedArrayBuffer(8)), dims: [2] } },
      { pixels: { data: new Float32Array(2), dims: [1.5, 2] } },
      { pixels: { data: new Float32Array(2), dims: '2' } },
    ];
    for (const input of refused)
      expect(writeRequest(slot, request(input)), JSON.stringify(input)).toBe(false);
    expect(slot.words[0], 'the state word').toBe(0);
  });

  it('fits a request up to the slot size, and refuses one byte more', () => {
    const slot = runSlotOf();
    // Body start, model "digits#0", tensor header, name "x", one dim, then 8-aligned data.
    const header = 40 + 8 * 2 + 20 + 4 + 4 + 4;
    const fits = { x: { data: new Uint8Array(SLOT_BYTES - header), dims: [1] } };
    expect(writeRequest(slot, request(fits))).toBe(true);
    expect((readRequest(slot).input as Record<string, TensorInput>).x!.data).toHaveLength(
      SLOT_BYTES - header,
    );
    const over = { x: { data: new Uint8Array(SLOT_BYTES - header + 1), dims: [1] } };
    expect(writeRequest(slot, request(over))).toBe(false);
  });

  it('reads back the answer it wrote: outputs in order, latency, score pairs or none', () => {
    const slot = runSlotOf();
    const logits = new Float32Array([0.25, 9, -3]);
    const classes = new Int32Array([4, 2]);
    expect(writeAnswer(slot, { data: [logits, classes], latencyMs: 0.125, scores: [1, 0.9, 0, 0.1] })).toBe(
      true,
    );
    const answer = readAnswer(slot, 2);
    expect(answer).toEqual({ data: [logits, classes], latencyMs: 0.125, scores: [1, 0.9, 0, 0.1] });
    expect((answer.data[0] as Float32Array).buffer).toBeInstanceOf(ArrayBuffer);
    expect(writeAnswer(slot, { data: [logits], latencyMs: 1 })).toBe(true);
    expect(readAnswer(slot, 1)).toEqual({ data: [logits], latencyMs: 1 });
  });

  it('refuses an answer with string outputs or one too large for the slot', () => {
    const slot = runSlotOf();
    expect(writeAnswer(slot, { data: [['a', 'b']], latencyMs: 1 })).toBe(false);
    expect(writeAnswer(slot, { data: [new Float32Array(SLOT_BYTES / 4)], latencyMs: 1 })).toBe(false);
  });

  it("keeps the worker's release time through the requests and answers written after it", () => {
    const slot = runSlotOf();
    slot.floats[RELEASED] = 1234.5;
    const pixels = { data: new Float32Array(64).fill(4), dims: [1, 1, 8, 8], type: 'float32' };
    expect(writeRequest(slot, request({ pixels }, 'a-model-with-a-long-name#12'))).toBe(true);
    expect(writeAnswer(slot, { data: [new Float32Array(10)], latencyMs: 3, scores: [1, 0.9, 0, 0.1] })).toBe(
      true,
    );
    expect(slot.floats[RELEASED]).toBe(1234.5);
  });
});
