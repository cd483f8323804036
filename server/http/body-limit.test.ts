import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isFerryError } from '$shared';
import { limitStream, readBodyBytes, readBodyText } from './body-limit.ts';

/** A body that yields `chunks` one pull at a time and records how far it was read. */
function chunkedSource(chunks: readonly Uint8Array[]) {
  const state = { pulls: 0, cancelled: null as unknown };
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        const chunk = chunks[state.pulls];
        state.pulls += 1;
        if (chunk === undefined) controller.close();
        else controller.enqueue(chunk);
      },
      cancel(reason) {
        state.cancelled = reason;
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, state };
}

/** An endless body of `size`-byte chunks, as a client that never stops sending. */
function endlessSource(size: number) {
  const state = { pulls: 0, cancelled: null as unknown };
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        state.pulls += 1;
        controller.enqueue(new Uint8Array(size));
      },
      cancel(reason) {
        state.cancelled = reason;
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, state };
}

function post(body: ReadableStream<Uint8Array> | string, headers: Record<string, string> = {}) {
  // `duplex` is required for a stream body (fetch spec) but missing from TypeScript's RequestInit.
  const init = { method: 'POST', body, headers, duplex: 'half' } as RequestInit;
  return new Request('http://ferry.test/api/trpc/x', init);
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  const error: unknown = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  return isFerryError(error) ? error.code : `not a FerryError: ${String(error)}`;
}

const bytes = (n: number, fill = 7) => new Uint8Array(n).fill(fill);

describe('readBodyBytes', () => {
  it('returns a chunked body of exactly the limit, byte for byte', async () => {
    const { stream } = chunkedSource([bytes(3, 1), bytes(4, 2), bytes(3, 3)]);
    const body = await readBodyBytes(post(stream), 10);
    expect([...body]).toEqual([1, 1, 1, 2, 2, 2, 2, 3, 3, 3]);
  });

  it('refuses a chunked body one byte over the limit with PAYLOAD_TOO_LARGE', async () => {
    const { stream } = chunkedSource([bytes(6), bytes(5)]);
    expect(await codeOf(readBodyBytes(post(stream), 10))).toBe('PAYLOAD_TOO_LARGE');
  });

  it('refuses a declared Content-Length over the limit before reading any of the body', async () => {
    const { stream, state } = chunkedSource([bytes(4)]);
    const request = post(stream, { 'content-length': '11' });
    expect(await codeOf(readBodyBytes(request, 10))).toBe('PAYLOAD_TOO_LARGE');
    expect(state.pulls).toBe(0);
  });

  it('holds the limit when Content-Length lies low', async () => {
    const { stream } = chunkedSource([bytes(8), bytes(8)]);
    const request = post(stream, { 'content-length': '2' });
    expect(await codeOf(readBodyBytes(request, 10))).toBe('PAYLOAD_TOO_LARGE');
  });

  it('answers an empty array for a request without a body', async () => {
    const request = new Request('http://ferry.test/', { method: 'POST' });
    expect(await readBodyBytes(request, 10)).toEqual(new Uint8Array(0));
  });

  it('turns a body that breaks off into INVALID_INPUT, not a raw stream error', async () => {
    let pulls = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulls += 1;
        if (pulls === 1) controller.enqueue(bytes(2));
        else controller.error(new Error('socket hang up'));
      },
    });
    const error: unknown = await readBodyBytes(post(stream), 10).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'INVALID_INPUT', message: expect.stringMatching(/^body: /) });
  });

  it('agrees with the body length for any chunking and limit: exact bytes at or under, 413 over', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 12 }),
        fc.nat(300),
        async (chunks, limit) => {
          const total = chunks.reduce((sum, c) => sum + c.byteLength, 0);
          const read = readBodyBytes(post(chunkedSource(chunks).stream), limit);
          if (total > limit) {
            expect(await codeOf(read)).toBe('PAYLOAD_TOO_LARGE');
          } else {
            expect(Buffer.from(await read).equals(Buffer.concat(chunks))).toBe(true);
          }
        },
      ),
    );
  });
});

describe('limitStream', () => {
  it('never hands a reader more than the limit, even when one chunk crosses it', async () => {
    const { stream } = endlessSource(7);
    const reader = limitStream(stream, 20, { discardBytes: 0 }).getReader();
    let handedOut = 0;
    const error: unknown = await (async () => {
      for (;;) handedOut += ((await reader.read()).value ?? new Uint8Array()).byteLength;
    })().catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'PAYLOAD_TOO_LARGE',
      message: 'body: larger than the limit of 20 bytes',
    });
    expect(handedOut).toBe(14);
  });

  it('drops the rest of a refused body up to the discard budget, then cancels the source', async () => {
    const { stream, state } = endlessSource(10);
    const reader = limitStream(stream, 15, { discardBytes: 100 }).getReader();
    await reader.read();
    await expect(reader.read()).rejects.toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    await expect.poll(() => state.cancelled).not.toBeNull();
    // 2 pulls read before the refusal, then 11 chunks of 10 bytes dropped (just over 100).
    expect(state.pulls).toBe(13);
    expect(state.cancelled).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
  });

  it('reads a refused finite body to its end without cancelling it', async () => {
    const { stream, state } = chunkedSource([bytes(10), bytes(10), bytes(10), bytes(10)]);
    const reader = limitStream(stream, 15).getReader();
    await reader.read();
    await expect(reader.read()).rejects.toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    await expect.poll(() => state.pulls).toBe(5);
    expect(state.cancelled).toBeNull();
  });

  it('passes a cancel from the reader on to the source', async () => {
    const { stream, state } = endlessSource(4);
    const limited = limitStream(stream, 100, { discardBytes: 0 });
    await limited.cancel('done');
    expect(state.cancelled).toBe('done');
  });
});

describe('readBodyText', () => {
  it('decodes UTF-8 split across chunks', async () => {
    const encoded = new TextEncoder().encode('{"name":"Größe"}');
    const { stream } = chunkedSource([encoded.subarray(0, 12), encoded.subarray(12)]);
    expect(await readBodyText(post(stream), 100)).toBe('{"name":"Größe"}');
  });
});
