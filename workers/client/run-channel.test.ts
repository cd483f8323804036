import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode, FerryError, serializeFerryError } from '$shared/errors.ts';
import { createRunAnswers } from '../run-answers.ts';
import type { EngineResult } from '../runtime/engine.ts';
import { serveRunSlot } from '../serve-run-slot.ts';
import { packScores } from './packed-scores.ts';
import {
  createRunChannel,
  isRunRequest,
  isRunSlotMessage,
  type RunReply,
  type RunRequest,
} from './run-channel.ts';
import { runSlotOf } from './run-slot.ts';

const channels: MessageChannel[] = [];
afterEach(() => channels.splice(0).forEach(({ port1, port2 }) => (port1.close(), port2.close())));

/**
 * A run channel over a real MessageChannel: `page` stands where the Worker object is, `worker`
 * answers each request with `answer`, or leaves it pending when `answer` returns undefined.
 */
function connected(answer: (model: string, data: Float32Array) => RunReply | undefined) {
  const channel = new MessageChannel();
  channels.push(channel);
  const { port1: page, port2: worker } = channel;
  worker.addEventListener('message', (event: MessageEvent<unknown>) => {
    if (!isRunRequest(event.data)) return;
    const { ferryRun, model, input } = event.data;
    const pixels = (input as unknown as { pixels: { data: Float32Array } }).pixels;
    const reply = answer(model, pixels.data);
    if (reply) worker.postMessage({ ...reply, ferryRan: ferryRun });
  });
  worker.start();
  page.start();
  return createRunChannel(page as unknown as Worker);
}

const input = () => ({ pixels: { data: new Float32Array([1, 2, 3]), dims: [3] } });

describe('createRunChannel', () => {
  it("resolves each call with the worker's reply to it, moving the transferred input buffers", async () => {
    const layout = [{ name: 'y', type: 'float32' as const, dims: [1] }];
    const runs = connected((model, data) => ({
      ferryRan: 0,
      data: [new Float32Array([data[0]! + model.length])],
      layout,
      latencyMs: 1,
    }));
    const first = input();
    const [a, b] = await Promise.all([
      runs.run('ab', first, [first.pixels.data.buffer]),
      runs.run('abcd', input(), []),
    ]);
    expect(Array.from(a.outputs.y!.data as Float32Array)).toEqual([3]);
    expect(Array.from(b.outputs.y!.data as Float32Array)).toEqual([5]);
    expect(first.pixels.data.byteLength, 'transferred, so detached on this side').toBe(0);
  });

  it('labels packed scores with the labels the worker last sent for that model', async () => {
    const sent: Record<string, string[]> = {};
    const runs = connected((model, data) => {
      const scores = [{ label: `${model}-${data[0]}`, index: 1, score: 0.75 }];
      const { pairs, labels } = packScores(scores, sent[model]);
      if (labels) sent[model] = labels;
      const layout = [{ name: 'y', type: 'float32' as const, dims: [1] }];
      return {
        ferryRan: 0,
        data: [new Float32Array(1)],
        layout,
        latencyMs: 1,
        scores: pairs,
        ...(labels ? { labels } : {}),
      };
    });
    const scoresOf = async (model: string, first: number) =>
      (await runs.run(model, { pixels: { data: new Float32Array([first]), dims: [1] } }, [])).scores;
    expect(await scoresOf('a', 1)).toEqual([{ label: 'a-1', index: 1, score: 0.75 }]);
    expect(await scoresOf('b', 1)).toEqual([{ label: 'b-1', index: 1, score: 0.75 }]);
    expect(await scoresOf('a', 1), 'no labels sent: the ones received before').toEqual([
      { label: 'a-1', index: 1, score: 0.75 },
    ]);
    expect(await scoresOf('a', 2), 'a new label at that index').toEqual([
      { label: 'a-2', index: 1, score: 0.75 },
    ]);
  });

  it('names and shapes outputs from the layout the worker last sent for that model', async () => {
    const sent = new Set<string>();
    const runs = connected((model, data) => {
      const layout = sent.has(model)
        ? undefined
        : [{ name: `${model}-out`, type: 'float32' as const, dims: [1, 1] }];
      sent.add(model);
      return {
        ferryRan: 0,
        data: [new Float32Array([data[0]!])],
        ...(layout ? { layout } : {}),
        latencyMs: 1,
      };
    });
    const outputsOf = async (model: string, first: number) =>
      (await runs.run(model, { pixels: { data: new Float32Array([first]), dims: [1] } }, [])).outputs;
    await outputsOf('a', 1);
    await outputsOf('b', 2);
    const again = await outputsOf('a', 3);
    expect(again, 'no layout sent: the one received before').toEqual({
      'a-out': { type: 'float32', dims: [1, 1], data: new Float32Array([3]) },
    });
    const [first, second] = [await outputsOf('b', 4), await outputsOf('b', 5)];
    expect(first['b-out']!.dims, 'each result has dims of its own').not.toBe(second['b-out']!.dims);
  });

  it('rejects, rather than leaves pending, a reply with outputs but no layout for them', async () => {
    const runs = connected(() => ({ ferryRan: 0, data: [new Float32Array(1)], latencyMs: 1 }));
    await expect(runs.run('m', input(), [])).rejects.toMatchObject({ code: 'INTERNAL' });
  });

  it("rejects with the worker's FerryError, code and details included", async () => {
    const refused = new FerryError(ErrorCode.INVALID_INPUT, 'pixels: missing input', {
      details: { field: 'pixels' },
    });
    const runs = connected(() => ({ ferryRan: 0, error: serializeFerryError(refused) }));
    await expect(runs.run('m', input(), [])).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: 'pixels: missing input',
      details: { field: 'pixels' },
    });
  });

  it('rejects pending and later calls with the error fail() is given (the worker died)', async () => {
    const runs = connected(() => undefined);
    const pending = runs.run('m', input(), []);
    const crashed = new FerryError(ErrorCode.WORKER_CRASHED, 'worker: gone');
    runs.fail(crashed);
    await expect(pending).rejects.toBe(crashed);
    await expect(runs.run('m', input(), [])).rejects.toBe(crashed);
  });
});

/**
 * A slot-sharing run channel over a real MessageChannel and a real SharedArrayBuffer, the worker
 * end being the worker's own (serve-run-slot.ts, run-answers.ts) around `engine`: it answers each
 * run, posted or slotted, once `gate` lets it (at once by default).
 */
function sharing(engine: (data: Float32Array) => EngineResult | FerryError, options = { slot: true }) {
  const channel = new MessageChannel();
  channels.push(channel);
  const { port1: page, port2: worker } = channel;
  const posted: number[] = [];
  let gate: Promise<void> = Promise.resolve();
  const answers = createRunAnswers((reply, transfer) => worker.postMessage(reply, transfer));
  const answer = (request: RunRequest) => {
    const data = (request.input as unknown as { pixels: { data: Float32Array } }).pixels.data;
    void gate.then(() => {
      const outcome = engine(data);
      if (outcome instanceof FerryError) answers.fail(request, outcome);
      else answers.reply(request, outcome, 0.5);
    });
  };
  worker.addEventListener('message', (event: MessageEvent<unknown>) => {
    if (isRunSlotMessage(event.data)) return serveRunSlot(runSlotOf(event.data.ferryRunSlot), answer);
    if (!isRunRequest(event.data)) return;
    posted.push(event.data.ferryRun);
    answer(event.data);
  });
  worker.start();
  page.start();
  const runs = createRunChannel(page as unknown as Worker, options);
  return { runs, posted, hold: (until: Promise<void>) => (gate = until) };
}

/** A digits-like result: the input's first value as logits[0], scored with labels. */
const digitsLike = (data: Float32Array): EngineResult => ({
  outputs: { logits: { type: 'float32', dims: [1, 2], data: new Float32Array([data[0]!, 1]) } },
  scores: [
    { label: 'one', index: 1, score: 0.75 },
    { label: 'zero', index: 0, score: 0.25 },
  ],
});

describe('createRunChannel sharing a slot with the worker', () => {
  it('runs through the slot with the results posted runs have, detaching inputs unless told not to', async () => {
    const { runs, posted } = sharing(digitsLike);
    const first = input();
    const a = await runs.run('m', first, [first.pixels.data.buffer]);
    const kept = input();
    const b = await runs.run('m', kept, []);
    expect(runs.slotRuns, 'both through the slot').toBe(2);
    expect(posted, 'no run request posted').toEqual([]);
    expect(first.pixels.data.byteLength, 'transferred: detached, as when posted').toBe(0);
    expect(Array.from(kept.pixels.data), 'not transferred: kept').toEqual([1, 2, 3]);
    const expected = {
      outputs: { logits: { type: 'float32', dims: [1, 2], data: new Float32Array([1, 1]) } },
      scores: [
        { label: 'one', index: 1, score: 0.75 },
        { label: 'zero', index: 0, score: 0.25 },
      ],
      latencyMs: 0.5,
    };
    expect(a, 'the first answer brought the layout and labels by postMessage').toEqual(expected);
    expect(b, 'the second, answered in the slot').toEqual(expected);
    const { runs: posting, posted: all } = sharing(digitsLike, { slot: false });
    expect(await posting.run('m', input(), [])).toEqual(expected);
    expect(await posting.run('m', input(), [])).toEqual(expected);
    expect([posting.slotRuns, all.length], 'slot: false posts every run').toEqual([0, 2]);
  });

  it('posts a run called while the slot is busy, and settles both', async () => {
    const { runs, posted, hold } = sharing(digitsLike);
    await runs.run('m', input(), []);
    let release = () => undefined as void;
    hold(new Promise<void>((resolve) => (release = resolve)));
    const busy = runs.run('m', { pixels: { data: new Float32Array([5]), dims: [1] } }, []);
    const overlapping = runs.run('m', { pixels: { data: new Float32Array([6]), dims: [1] } }, []);
    release();
    const [x, y] = await Promise.all([busy, overlapping]);
    expect([x.outputs.logits!.data[0], y.outputs.logits!.data[0]]).toEqual([5, 6]);
    expect([runs.slotRuns, posted.length]).toEqual([2, 1]);
    expect((await runs.run('m', input(), [])).outputs.logits!.data[0], 'the slot is free again').toBe(1);
    expect(runs.slotRuns).toBe(3);
  });

  it("rejects a slot run with the worker's FerryError, and the slot serves the next run", async () => {
    const refused = new FerryError(ErrorCode.INVALID_INPUT, 'pixels: too large', {
      details: { field: 'pixels' },
    });
    const { runs } = sharing((data) => (data[0] === 9 ? refused : digitsLike(data)));
    await runs.run('m', input(), []);
    await expect(
      runs.run('m', { pixels: { data: new Float32Array([9]), dims: [1] } }, []),
    ).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      details: { field: 'pixels' },
    });
    expect((await runs.run('m', input(), [])).outputs.logits!.data[0]).toBe(1);
    expect(runs.slotRuns).toBe(3);
  });

  it('rejects a slot run pending when the channel fails (the worker died), and every later one', async () => {
    const { runs, hold } = sharing(digitsLike);
    hold(new Promise<void>(() => undefined));
    const pending = runs.run('m', input(), []);
    const crashed = new FerryError(ErrorCode.WORKER_CRASHED, 'worker: gone');
    runs.fail(crashed);
    await expect(pending).rejects.toBe(crashed);
    await expect(runs.run('m', input(), [])).rejects.toBe(crashed);
  });
});
