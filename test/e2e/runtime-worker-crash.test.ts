import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pixelsInput } from './support/harness.ts';
import { startStack, type Stack } from './support/stack.ts';

const input = pixelsInput((i) => i % 11);
// Far more inferences than can finish while the test runs: the call is pending when the worker dies.
const FOREVER = 10_000_000;

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
  await stack.publish('models/digits');
  // The SDK's own worker script, made through the `worker` factory so the page holds the Worker.
  await stack.h.open('c', stack.clientOptions({ workerUrl: '/sdk/worker.js' }));
  const load = await stack.h.load('c', 'digits');
  expect(load.error).toBeUndefined();
});
afterAll(() => stack?.close());

describe('a worker that dies under a pending call', () => {
  it('rejects the call with WORKER_CRASHED instead of hanging', async () => {
    await stack.h.begin('digits', input, FOREVER);
    expect(await stack.h.killWorker('c')).toBe(1);
    const outcome = await stack.h.outcome('digits');
    expect(outcome.error).toMatchObject({
      name: 'FerryError',
      code: 'WORKER_CRASHED',
      message: expect.stringContaining('the next call starts a new one'),
    });
    expect(await stack.h.status('c')).toMatchObject({ worker: 'crashed' });
  });

  it('starts a new worker on the next call and runs the model from the verified cache', async () => {
    const blobsBefore = stack.proxy.blobRequests().length;
    const run = await stack.h.run('digits', input);
    expect(run.error).toBeUndefined();
    expect(run.result?.scores).toHaveLength(10);
    expect(await stack.h.workersMade('c')).toBe(2);
    expect(stack.proxy.blobRequests().length, 'no blob downloaded again').toBe(blobsBefore);
    const status = await stack.h.status('c');
    expect(status).toMatchObject({ worker: 'running' });
    expect(status.models).toEqual([expect.objectContaining({ name: 'digits', state: 'ready' })]);
  });

  it('rejects a load the worker dies under, and loads it again in a new worker on the next call', async () => {
    await stack.publish('test/fixtures/runtime/tiny-cnn');
    const held = stack.proxy.holdNext('/models/tiny-cnn/versions/latest/manifest');
    const load = stack.h.load('c', 'tiny-cnn');
    const release = await held; // the worker is now waiting for this manifest
    expect(await stack.h.killWorker('c')).toBe(2);
    expect((await load).error).toMatchObject({ code: 'WORKER_CRASHED' });
    release();
    const run = await stack.h.run('tiny-cnn', input);
    expect(run.error).toBeUndefined();
    expect(run.result?.scores).toHaveLength(10);
    expect(await stack.h.workersMade('c')).toBe(3);
    expect((await stack.h.run('digits', input)).result?.scores, 'the other model too').toHaveLength(10);
  });
});
