import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { connect } from 'node:net';

/** What the server answered to a raw request. */
export interface RawReply {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** A raw request: sent exactly as given (no URL normalisation, any method, chunked or not). */
export interface RawRequest {
  method?: string;
  /** The request target, sent as is (e.g. `/api/v1/blobs/%E0%A4%A`). */
  path: string;
  headers?: Record<string, string>;
  /**
   * The body: bytes (sent with Content-Length unless `chunked`), or a number of zero bytes to
   * stream in 1 MiB chunks (chunked unless `headers` has a Content-Length).
   */
  body?: Uint8Array | number;
  chunked?: boolean;
}

const CHUNK = Buffer.alloc(1024 * 1024);

/**
 * Sends `spec` to `origin` with node:http (fetch would normalise the target and refuse TRACE) on
 * a fresh connection. Resolves with the reply once its body has ended. The server may answer
 * before the whole body is sent (413): sending then stops, and a write error after the answer
 * is not a failure.
 */
export function rawRequest(origin: string, spec: RawRequest): Promise<RawReply> {
  const url = new URL(origin);
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = httpRequest({
      host: url.hostname,
      port: url.port,
      method: spec.method ?? 'GET',
      path: spec.path,
      headers: spec.headers,
      agent: false,
    });
    req.on('response', (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
      );
      res.on('error', reject);
    });
    req.on('error', (error) => {
      if (!answered) reject(error);
    });
    if (spec.chunked) req.setHeader('Transfer-Encoding', 'chunked');
    void send(req, spec.body, () => answered);
  });
}

async function send(
  req: ReturnType<typeof httpRequest>,
  body: RawRequest['body'],
  answered: () => boolean,
): Promise<void> {
  if (typeof body !== 'number') {
    req.end(body);
    return;
  }
  for (let sent = 0; sent < body && !answered() && !req.destroyed; sent += CHUNK.length) {
    const piece = CHUNK.subarray(0, Math.min(CHUNK.length, body - sent));
    if (!req.write(piece)) await new Promise((resolve) => req.once('drain', resolve).once('close', resolve));
  }
  if (!req.destroyed) req.end();
}

/** A raw connection: what was received so far, and a promise of everything once the server closes. */
export interface RawConnection {
  received(): string;
  closed: Promise<string>;
  destroy(): void;
}

/**
 * Writes `text` (bytes on the wire, e.g. a request line and headers with part of a body) to a
 * new connection. With `end` the sending side is closed after it; otherwise the connection stays
 * open as a stalled client would keep it, until the server closes it or `destroy()` is called.
 */
export function rawConnection(origin: string, text: string, options: { end?: boolean } = {}): RawConnection {
  const url = new URL(origin);
  const chunks: Buffer[] = [];
  const socket = connect(Number(url.port), url.hostname, () => {
    if (options.end) socket.end(text);
    else socket.write(text);
  });
  const received = () => Buffer.concat(chunks).toString('latin1');
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  const closed = new Promise<string>((resolve) => {
    socket.on('close', () => resolve(received()));
    // A reset after the server's answer is still an answer; what matters is what arrived.
    socket.on('error', () => undefined);
  });
  return { received, closed, destroy: () => socket.destroy() };
}
