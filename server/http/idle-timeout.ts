/**
 * The chunks of `body`, failing with `onIdle()` when none arrives for `ms` milliseconds (a
 * stalled client must not hold a temp file and its descriptors until Node's request timeout).
 * On an idle timeout the stream is left as it is, not cancelled: cancelling a request body
 * destroys the socket, and the caller still has a response to send. When the iteration ends
 * early, the stream's lock is released.
 */
export async function* withIdleTimeout(
  body: ReadableStream<Uint8Array>,
  ms: number,
  onIdle: () => Error,
): AsyncGenerator<Uint8Array> {
  const reader = body.getReader();
  try {
    for (;;) {
      let timer: NodeJS.Timeout | undefined;
      const idle = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(onIdle()), ms);
      });
      try {
        const result = await Promise.race([reader.read(), idle]);
        if (result.done) return;
        yield result.value;
      } finally {
        clearTimeout(timer);
      }
    }
  } finally {
    // A consumer that stops early leaves the stream unlocked, for the caller to drain or cancel.
    // After an idle timeout a read is still pending; releasing then rejects it, which is fine.
    try {
      reader.releaseLock();
    } catch {
      // Older stream implementations refuse to release with a read pending: keep the lock.
    }
  }
}
