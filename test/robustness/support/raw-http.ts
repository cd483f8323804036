import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { connect, type Socket } from 'node:net';

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
   * stream in 1 MiB chunks (give `chunked`, or a Content-Length header).
   */
  body?: Uint8Array | number;
  chunked?: boolean;
}

const CHUNK = Buffer.alloc(1024 * 1024);

/**
 * Sends `spec` to `origin` on a fresh connection and resolves with the reply once its body has
 * ended: with node:http (fetch would normalise the target and refuse TRACE), or, for a streamed
 * body (`body` a number), over a raw socket (see {@link streamedRequest}).
 */
export function rawRequest(origin: string, spec: RawRequest): Promise<RawReply> {
  if (typeof spec.body === 'number') return streamedRequest(origin, { ...spec, body: spec.body });
  const url = new URL(origin);
  return new Promise((resolve, reject) => {
    const req = httpRequest({
      host: url.hostname,
      port: url.port,
      method: spec.method ?? 'GET',
      path: spec.path,
      headers: spec.headers,
      agent: false,
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    if (spec.chunked) req.setHeader('Transfer-Encoding', 'chunked');
    req.end(spec.body);
  });
}

/**
 * Streams `spec.body` zero bytes over a raw socket and reads until the server closes it. A server
 * that refuses the body early answers and closes while the client still writes: node:http then
 * reports EPIPE and drops the answer it already received, so write errors are ignored here and
 * whatever arrived is parsed. Sending stops as soon as the answer starts.
 */
function streamedRequest(origin: string, spec: RawRequest & { body: number }): Promise<RawReply> {
  const url = new URL(origin);
  const head = [`${spec.method ?? 'GET'} ${spec.path} HTTP/1.1`, `Host: ${url.host}`, 'Connection: close'];
  for (const [name, value] of Object.entries(spec.headers ?? {})) head.push(`${name}: ${value}`);
  if (spec.chunked) head.push('Transfer-Encoding: chunked');
  return new Promise((resolve, reject) => {
    const received: Buffer[] = [];
    const socket = connect(Number(url.port), url.hostname);
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      const reply = parseReply(Buffer.concat(received));
      if (reply) resolve(reply);
      else reject(new Error(`${spec.method} ${spec.path}: the connection closed without an answer`));
    });
    socket.on('connect', () => {
      void (async () => {
        socket.write(`${head.join('\r\n')}\r\n\r\n`);
        for (
          let sent = 0;
          sent < spec.body && received.length === 0 && socket.writable;
          sent += CHUNK.length
        ) {
          const piece = CHUNK.subarray(0, Math.min(CHUNK.length, spec.body - sent));
          const framed = spec.chunked ? [`${piece.length.toString(16)}\r\n`, piece, '\r\n'] : [piece];
          let flushed = true;
          for (const part of framed) flushed = socket.write(part) && flushed;
          if (!flushed) await drainedOrClosed(socket);
        }
        if (socket.writable && received.length === 0) socket.write(spec.chunked ? '0\r\n\r\n' : '');
      })();
    });
  });
}

/** Resolves when `socket` drains or closes; whichever listener did not fire is removed, so a long upload adds none. */
function drainedOrClosed(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      socket.off('drain', done);
      socket.off('close', done);
      resolve();
    };
    socket.once('drain', done).once('close', done);
  });
}

/** An HTTP/1.1 answer from its raw bytes (body de-chunked), or null when no status line arrived. */
function parseReply(raw: Buffer): RawReply | null {
  const split = raw.indexOf('\r\n\r\n');
  if (split < 0) return null;
  const [statusLine = '', ...lines] = raw.subarray(0, split).toString('latin1').split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1]);
  if (!status) return null;
  const headers: IncomingHttpHeaders = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  let body = raw.subarray(split + 4);
  if (headers['transfer-encoding'] === 'chunked') {
    const parts: Buffer[] = [];
    for (let at = 0; at < body.length;) {
      const end = body.indexOf('\r\n', at);
      const length = parseInt(body.subarray(at, end).toString('latin1'), 16);
      if (!(length > 0)) break;
      parts.push(body.subarray(end + 2, end + 2 + length));
      at = end + 2 + length + 2;
    }
    body = Buffer.concat(parts);
  }
  return { status, headers, body };
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
