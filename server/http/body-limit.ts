import { ErrorCode, FerryError } from '$shared';
import { payloadTooLarge } from '../storage/blob-store.ts';

/**
 * After a refusal, at most this much of the rest is read and thrown away (so a client that sends
 * its whole body before reading the answer still gets the 413), then the source is cancelled.
 */
const DEFAULT_DISCARD_BYTES = 1024 * 1024 * 1024;

/** Options of {@link limitStream}. */
export interface LimitOptions {
  /** How much of a refused body to read and drop before cancelling the source; 1 GiB by default. */
  discardBytes?: number;
}

/**
 * Throws `PAYLOAD_TOO_LARGE` when `request` declares a `Content-Length` above `maxBytes`. A cheap
 * first check only: chunked bodies declare nothing, so readers must also use {@link limitStream}.
 */
export function assertDeclaredLength(request: Request, maxBytes: number): void {
  const declared = Number(request.headers.get('content-length') ?? 0);
  if (declared > maxBytes) throw payloadTooLarge(maxBytes);
}

/**
 * `source` passed through unchanged until more than `maxBytes` have arrived; then the returned
 * stream errors with `PAYLOAD_TOO_LARGE` before handing out the chunk that crossed the limit, so
 * a reader never holds more than `maxBytes`. A source that fails (the client went away) errors
 * the stream with `INVALID_INPUT` instead of a raw socket error.
 *
 * The source is not cancelled at once: with SvelteKit's Node adapter that destroys the socket,
 * and with it the 413 answer. The rest is read and dropped in the background (up to
 * `discardBytes`, nothing kept), the way Node itself drains a body nobody read.
 *
 * @example new Response(limitStream(request.body, 16 << 20)).text() // rejects past 16 MiB
 */
export function limitStream(
  source: ReadableStream<Uint8Array>,
  maxBytes: number,
  options: LimitOptions = {},
): ReadableStream<Uint8Array> {
  const reader = source.getReader();
  let received = 0;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const chunk = await readChunk(reader);
        if (chunk === null) return controller.close();
        received += chunk.byteLength;
        if (received > maxBytes) {
          controller.error(payloadTooLarge(maxBytes));
          void discardRest(reader, options.discardBytes ?? DEFAULT_DISCARD_BYTES);
          return;
        }
        controller.enqueue(chunk);
      },
      cancel: (reason) => reader.cancel(reason),
    },
    // Pull one chunk per read: nothing is read ahead of the consumer.
    { highWaterMark: 0 },
  );
}

/**
 * The whole body of `request`, at most `maxBytes`: `Content-Length` is checked first, then the
 * stream as it arrives. Throws `PAYLOAD_TOO_LARGE` (413) past the limit; an empty array when
 * there is no body.
 */
export async function readBodyBytes(
  request: Request,
  maxBytes: number,
  options?: LimitOptions,
): Promise<Uint8Array> {
  assertDeclaredLength(request, maxBytes);
  if (!request.body) return new Uint8Array(0);
  const reader = limitStream(request.body, maxBytes, options).getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (let next = await reader.read(); !next.done; next = await reader.read()) {
    chunks.push(next.value);
    size += next.value.byteLength;
  }
  return Buffer.concat(chunks, size);
}

/** {@link readBodyBytes} decoded as UTF-8 (malformed sequences become U+FFFD). */
export async function readBodyText(
  request: Request,
  maxBytes: number,
  options?: LimitOptions,
): Promise<string> {
  return new TextDecoder().decode(await readBodyBytes(request, maxBytes, options));
}

/**
 * Reads and drops the body of a request answered without it (refused before reading, e.g. 401
 * or 415), so the answer reaches a client still sending and the connection stays usable. Runs in
 * the background, keeps nothing, and cancels the body after `discardBytes` (1 GiB by default).
 * Does nothing when the body is absent or already being read.
 */
export function discardBody(request: Request, discardBytes = DEFAULT_DISCARD_BYTES): void {
  if (!request.body || request.body.locked) return;
  void discardRest(request.body.getReader(), discardBytes);
}

async function readChunk(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<Uint8Array | null> {
  try {
    const next = await reader.read();
    return next.done ? null : next.value;
  } catch (cause) {
    throw new FerryError(ErrorCode.INVALID_INPUT, 'body: the request ended before its body was complete', {
      cause,
    });
  }
}

async function discardRest(reader: ReadableStreamDefaultReader<Uint8Array>, budget: number) {
  let dropped = 0;
  try {
    while (dropped <= budget) {
      const next = await reader.read();
      if (next.done) return;
      dropped += next.value.byteLength;
    }
    await reader.cancel(payloadTooLarge(budget));
  } catch {
    // The client hung up on a body already refused with 413: nothing is left to tell anyone.
  }
}
