import { describe, expect, it } from 'vitest';
import { ErrorCode, FerryError } from '$shared/errors.ts';
import type { RunReply, RunRequest } from './client/run-channel.ts';
import { packScores } from './client/packed-scores.ts';
import { readAnswer, runSlotOf, SlotState, STATE } from './client/run-slot.ts';
import { createRunAnswers } from './run-answers.ts';
import type { EngineResult } from './runtime/engine.ts';

const request = (ferryRun: number, model = 'digits'): RunRequest => ({ ferryRun, model, input: {} });

/** A digits-like result: ten logits, scored highest first. */
function result(top: number): EngineResult {
  const logits = new Float32Array(10).fill(0.5);
  logits[top] = 9;
  const scores = [{ label: `digit ${top}`, index: top, score: 0.9 }];
  for (let i = 0; i < 10; i++) if (i !== top) scores.push({ label: `digit ${i}`, index: i, score: 0.01 });
  return { outputs: { logits: { type: 'float32', dims: [1, 10], data: logits } }, scores };
}

/** Answers whose posts are cloned as postMessage clones them (transferred buffers detached), or throw once when told. */
function posted() {
  const replies: { reply: RunReply; transfer: Transferable[] }[] = [];
  let throwNext = false;
  const answers = createRunAnswers((reply, transfer) => {
    if (throwNext) {
      throwNext = false;
      throw new DOMException('could not be cloned', 'DataCloneError');
    }
    replies.push({ reply: structuredClone(reply, { transfer }), transfer });
  });
  return { answers, replies, failNextPost: () => (throwNext = true) };
}

const scoresOf = (reply: RunReply) => ('scores' in reply ? Array.from(reply.scores ?? []) : []);

describe('createRunAnswers', () => {
  it("posts each run's scores as they were when posted, and moves only the outputs' buffers", () => {
    const { answers, replies } = posted();
    const first = result(3);
    const second = result(7);
    answers.reply(request(1), first, 0.2);
    answers.reply(request(2), second, 0.3);
    expect(scoresOf(replies[0]!.reply).slice(0, 2), 'not overwritten by the next reply').toEqual([3, 0.9]);
    expect(scoresOf(replies[1]!.reply).slice(0, 2)).toEqual([7, 0.9]);
    expect(replies[1]!.transfer).toEqual([(second.outputs.logits!.data as Float32Array).buffer]);
    expect((second.outputs.logits!.data as Float32Array).byteLength, 'the output moved to the page').toBe(0);
  });

  it('sends the layout and labels with the first reply for a model and not again while unchanged', () => {
    const { answers, replies } = posted();
    answers.reply(request(1), result(1), 0.2);
    answers.reply(request(2), result(2), 0.2);
    answers.reply(request(3, 'other'), result(2), 0.2);
    const [first, second, other] = replies.map(
      (r) => r.reply as RunReply & { layout?: unknown; labels?: unknown },
    );
    expect(first!.layout).toEqual([{ name: 'logits', type: 'float32', dims: [1, 10] }]);
    expect(first!.labels).toHaveLength(10);
    expect(second!.layout).toBeUndefined();
    expect(second!.labels).toBeUndefined();
    expect(other!.layout, 'another model has its own').toBeDefined();
    expect(other!.labels).toHaveLength(10);
  });

  it('sends the layout and labels again after a reply that could not be posted', () => {
    const { answers, replies, failNextPost } = posted();
    failNextPost();
    expect(() => answers.reply(request(1), result(1), 0.2)).toThrow('could not be cloned');
    answers.reply(request(2), result(2), 0.2);
    const [reply] = replies.map((r) => r.reply as RunReply & { layout?: unknown; labels?: unknown });
    expect(reply!.ferryRan).toBe(2);
    expect(reply!.layout).toBeDefined();
    expect(reply!.labels).toHaveLength(10);
    expect(scoresOf(reply!).slice(0, 2)).toEqual([2, 0.9]);
  });

  it('answers a failed run with its FerryError, moving nothing', () => {
    const { answers, replies } = posted();
    answers.fail(request(4), new FerryError(ErrorCode.INVALID_INPUT, 'pixels: missing input'));
    expect(replies).toEqual([
      { reply: { ferryRan: 4, error: expect.objectContaining({ code: 'INVALID_INPUT' }) }, transfer: [] },
    ]);
  });

  it('answers a slot run in the slot only when the page had every layout and labels sent for the model', () => {
    const { answers, replies } = posted();
    const slot = runSlotOf();
    const slotted = (ferryRun: number, known: number): RunRequest => ({ ...request(ferryRun), slot, known });
    const stateAfter = (ferryRun: number, known: number, outcome: EngineResult | FerryError) => {
      if (outcome instanceof FerryError) answers.fail(slotted(ferryRun, known), outcome);
      else answers.reply(slotted(ferryRun, known), outcome, 0.25);
      return slot.words[STATE];
    };
    expect(stateAfter(1, 0, result(1)), 'the first reply brings the layout and labels').toBe(
      SlotState.POSTED,
    );
    expect(stateAfter(2, 0, result(2)), 'the page had not received them when it wrote the request').toBe(
      SlotState.POSTED,
    );
    expect(stateAfter(3, 1, result(3))).toBe(SlotState.ANSWERED);
    expect(readAnswer(slot, 1)).toEqual({
      data: [result(3).outputs.logits!.data],
      latencyMs: 0.25,
      scores: packScores(result(3).scores!, undefined).pairs,
    });
    const withBoxes = { ...result(4), boxes: [{ x: 0, y: 0, width: 1, height: 1, score: 1 }] };
    expect(stateAfter(4, 1, withBoxes), 'boxes go by postMessage').toBe(SlotState.POSTED);
    const refused = new FerryError(ErrorCode.INVALID_INPUT, 'pixels: missing input');
    expect(stateAfter(5, 1, refused), 'errors go by postMessage').toBe(SlotState.POSTED);
    expect(replies.map(({ reply }) => reply.ferryRan)).toEqual([1, 2, 4, 5]);
  });

  it('marks a slot run POSTED before posting its reply, and only once when the reply cannot be posted', () => {
    const { answers, replies, failNextPost } = posted();
    const slot = runSlotOf();
    const states: number[] = [];
    const observed = createRunAnswers((reply) => {
      states.push(slot.words[STATE]!);
      replies.push({ reply, transfer: [] });
    });
    observed.reply({ ...request(1), slot, known: 0 }, result(1), 0.2);
    expect(states, 'already POSTED when the page could receive the reply').toEqual([SlotState.POSTED]);
    const run: RunRequest = { ...request(2), slot, known: 0 };
    slot.words[STATE] = SlotState.REQUESTED;
    failNextPost();
    expect(() => answers.reply(run, result(2), 0.2)).toThrow('could not be cloned');
    expect(slot.words[STATE]).toBe(SlotState.POSTED);
    slot.words[STATE] = SlotState.REQUESTED; // the page freed the slot and wrote its next run
    answers.fail(run, new FerryError(ErrorCode.INTERNAL, 'run: the result could not be cloned'));
    expect(slot.words[STATE], 'the next run in the slot is left alone').toBe(SlotState.REQUESTED);
    expect(replies.at(-1)!.reply).toMatchObject({ ferryRan: 2, error: { code: 'INTERNAL' } });
  });
});
