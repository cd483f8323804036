import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode, FerryError, serializeFerryError } from '$shared/errors.ts';
import { packScores } from './packed-scores.ts';
import { createRunChannel, isRunRequest, type RunReply } from './run-channel.ts';

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
