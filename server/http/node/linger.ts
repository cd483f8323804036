import type { IncomingMessage, ServerResponse } from 'node:http';

/** How much of an unread request body is read and dropped after an early answer. */
const LINGER_BYTES = 64 * 1024 * 1024;
/** How long a client may stay silent while the rest of its body is dropped. */
const LINGER_IDLE_MS = 10_000;

/**
 * Lingering close (RFC 9112 §9.6): when the server answers before it has read the whole request
 * (a 413, a 401 on a large upload) on a connection it then closes, Node destroys the socket with
 * the client's data unread, the kernel resets the connection, and the client often loses the
 * answer it was sent. Registered on every response: if that case arises, the socket's pending
 * destroy is cancelled and the rest of the body is read and dropped (at most LINGER_BYTES, while
 * the client keeps sending) before the socket is closed.
 */
export function lingerAfterEarlyAnswer(req: IncomingMessage, res: ServerResponse): void {
  // Node's own 'finish' handler runs first: it half-closes a `Connection: close` socket and
  // schedules its destroy for when the write side is done, which is the destroy cancelled here.
  res.once('finish', () => {
    const socket = req.socket;
    if (req.complete || socket.destroyed) return;
    // Only the pending destroy of a closing connection is postponed; keep-alive ones drain anyway.
    if (!socket.listeners('finish').includes(socket.destroy)) return;
    socket.removeListener('finish', socket.destroy);
    let dropped = 0;
    const close = () => {
      clearTimeout(timer);
      socket.destroy();
    };
    const timer = setTimeout(close, LINGER_IDLE_MS);
    timer.unref();
    // Node has already resumed the request to drop its body (req._dump); count what it drops.
    req.on('data', (chunk: Buffer) => {
      dropped += chunk.length;
      timer.refresh();
      if (dropped > LINGER_BYTES) close();
    });
    req.once('end', close);
    socket.once('close', () => clearTimeout(timer));
  });
}
