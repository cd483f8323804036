import { describe, expect, it } from 'vitest';
import { createMemoryQueue, overflow } from './queue.ts';

const entry = (n: number, bytes = 10) => ({
  batchId: n.toString(16).padStart(32, '0'),
  body: `{"n":${n}}`,
  bytes,
});

describe('overflow', () => {
  it('drops the oldest past the count bound, never the newest', () => {
    const entries = [1, 2, 3, 4].map((seq) => ({ seq, bytes: 10 }));
    expect(overflow(entries, { maxBatches: 2, maxBytes: 1000 })).toEqual([1, 2]);
    expect(overflow(entries, { maxBatches: 10, maxBytes: 25 })).toEqual([1, 2]);
    expect(overflow([{ seq: 9, bytes: 5000 }], { maxBatches: 1, maxBytes: 10 })).toEqual([]);
  });
});

describe('createMemoryQueue', () => {
  it('is first in, first out, and removes only what is asked for', async () => {
    const queue = createMemoryQueue({ maxBatches: 10, maxBytes: 1000 });
    await queue.push(entry(1), { reportedDrops: 0 });
    await queue.push(entry(2), { reportedDrops: 0 });
    const first = await queue.oldest();
    expect(first?.body).toBe('{"n":1}');
    await queue.remove(first!.seq);
    await queue.remove(first!.seq); // gone already: not an error
    expect((await queue.oldest())?.body).toBe('{"n":2}');
    expect(await queue.size()).toEqual({ batches: 1, bytes: 10 });
  });

  it('drops the oldest batches past its bounds, counts them until a batch reports them', async () => {
    const queue = createMemoryQueue({ maxBatches: 3, maxBytes: 1000 });
    for (let n = 1; n <= 5; n++) await queue.push(entry(n), { reportedDrops: 0 });
    expect(await queue.dropped()).toBe(2);
    expect((await queue.oldest())?.body).toBe('{"n":3}');
    await queue.push(entry(6), { reportedDrops: 2 }); // this batch reports the two drops, and causes one
    expect(await queue.dropped()).toBe(1);
    expect(await queue.size()).toEqual({ batches: 3, bytes: 30 });
  });
});

describe('clear', () => {
  it('deletes every batch and the unreported drop count', async () => {
    const queue = createMemoryQueue({ maxBatches: 2, maxBytes: 1000 });
    for (let n = 1; n <= 3; n++) await queue.push(entry(n), { reportedDrops: 0 });
    expect(await queue.dropped()).toBe(1);
    await queue.clear();
    expect(await queue.size()).toEqual({ batches: 0, bytes: 0 });
    expect(await queue.dropped()).toBe(0);
    expect(await queue.oldest()).toBeUndefined();
  });
});
