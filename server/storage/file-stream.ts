import type { FileHandle } from 'node:fs/promises';

// Large reads mean few stream round trips per file: measured ~1.6× the throughput of
// Readable.toWeb(createReadStream()) with its 64 KiB chunks (test/bench).
const CHUNK_BYTES = 1024 * 1024;

/**
 * A pull-driven web stream of bytes [start, end) of an open file, ready to be a Response body.
 * It closes the file when done or cancelled (a client that goes away releases the descriptor).
 * A file that ends before `end` (a damaged data dir) errors the stream rather than ending it: the
 * response already declared `end - start` bytes, and a body that just stopped short would leave
 * the client waiting for the rest on an open connection until its keep-alive timeout, or for good
 * behind a proxy that keeps its own; a failed body makes the front door destroy the socket at once.
 */
export function fileStream(
  handle: FileHandle,
  span: { start: number; end: number },
): ReadableStream<Uint8Array> {
  let position = span.start;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const length = Math.min(CHUNK_BYTES, span.end - position);
        const buffer = length > 0 ? Buffer.allocUnsafe(length) : null;
        const { bytesRead } = buffer ? await handle.read(buffer, 0, length, position) : { bytesRead: 0 };
        if (!buffer || bytesRead === 0) {
          await handle.close();
          if (buffer) controller.error(new Error(`the file ended at byte ${position}, before ${span.end}`));
          else controller.close();
          return;
        }
        position += bytesRead;
        controller.enqueue(bytesRead === length ? buffer : buffer.subarray(0, bytesRead));
      },
      cancel: () => handle.close(),
    },
    { highWaterMark: 0 },
  );
}
