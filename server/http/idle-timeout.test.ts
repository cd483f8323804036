import { describe, expect, it } from 'vitest';
import { withIdleTimeout } from './idle-timeout.ts';

async function collect(chunks: AsyncIterable<Uint8Array>): Promise<number[]> {
  const bytes: number[] = [];
  for await (const chunk of chunks) bytes.push(...chunk);
  return bytes;
}

describe('withIdleTimeout', () => {
  it('passes every chunk of a stream that keeps sending, then ends with it', async () => {
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new Uint8Array([1, 2]));
        controller.enqueue(new Uint8Array([3]));
        controller.close();
      },
    });
    expect(await collect(withIdleTimeout(body, 10_000, () => new Error('idle')))).toEqual([1, 2, 3]);
  });

  it('fails with the idle error once a stream stops sending, after what it did send', async () => {
    const seen: number[] = [];
    const stalled = new ReadableStream<Uint8Array>({
      start: (controller) => controller.enqueue(new Uint8Array([7])),
    });
    const reading = (async () => {
      for await (const chunk of withIdleTimeout(stalled, 20, () => new Error('no bytes for 20 ms'))) {
        seen.push(...chunk);
      }
    })();
    await expect(reading).rejects.toThrow('no bytes for 20 ms');
    expect(seen).toEqual([7]);
  });
});
