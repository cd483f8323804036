import type { IncomingMessage } from 'node:http';
import { ErrorCode, FerryError } from '$shared';
import { payloadTooLarge } from '../../storage/blob-store.ts';

/** After a refusal, at most this much of the rest is read and dropped before the socket is closed. */
const DISCARD_BYTES = 64 * 1024 * 1024;

function cutOff(): FerryError {
  return new FerryError(ErrorCode.INVALID_INPUT, 'body: the request ended before its body was complete');
}

/**
 * Reads and drops what is left of `req`'s body in the background, so that an answer sent before
 * the body was read reaches a client still sending; past DISCARD_BYTES the socket is destroyed.
 * Does nothing once the body has ended.
 */
export function discardNodeBody(req: IncomingMessage): void {
  if (req.complete || req.destroyed) return;
  let dropped = 0;
  req.on('data', (chunk: Buffer) => {
    dropped += chunk.length;
    if (dropped > DISCARD_BYTES) req.socket.destroy();
  });
  req.resume();
}

/**
 * The whole body of `req`, at most `maxBytes`: a declared `Content-Length` above it is refused at
 * once, a chunked body as soon as it crosses it (PAYLOAD_TOO_LARGE, 413), and the rest is dropped
 * ({@link discardNodeBody}) so the 413 arrives. A client that goes away mid-body gets
 * INVALID_INPUT. Nothing beyond `maxBytes` is ever held.
 */
export function readNodeBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return collectBody(req, maxBytes, asBuffer);
}

/** {@link readNodeBody} decoded as UTF-8, without a promise of its own for the decoding. */
export function readNodeText(req: IncomingMessage, maxBytes: number): Promise<string> {
  return collectBody(req, maxBytes, asText);
}

/** Where a body read without a promise goes: exactly one of the two is called, once. */
export interface BodyReceiver<T> {
  resolve(body: T): void;
  reject(error: unknown): void;
}

/**
 * {@link readNodeText} handing the text (or the refusal) to `receiver` without a promise: the
 * ingest route (server/telemetry/http.ts) reads every request's body this way.
 */
export function readNodeTextThen(
  req: IncomingMessage,
  maxBytes: number,
  receiver: BodyReceiver<string>,
): void {
  collectInto(req, maxBytes, { decode: asText, resolve: receiver.resolve, reject: receiver.reject });
}

const asBuffer = (body: Buffer) => body;
const asText = (body: Buffer) => body.toString('utf8');

function collectBody<T>(req: IncomingMessage, maxBytes: number, decode: (body: Buffer) => T): Promise<T> {
  return new Promise((resolve, reject) => collectInto(req, maxBytes, { decode, resolve, reject }));
}

/**
 * Collects `req`'s body, settling once: refused at once when it declares more than `maxBytes`
 * (drained unread), else checked against `maxBytes` as it arrives.
 */
function collectInto<T>(
  req: IncomingMessage,
  maxBytes: number,
  receiver: BodyReceiver<T> & { decode(body: Buffer): T },
): void {
  const { decode, resolve, reject } = receiver;
  if (Number(req.headers['content-length'] ?? 0) > maxBytes) {
    discardNodeBody(req);
    return reject(payloadTooLarge(maxBytes));
  }
  // Listeners inline and left in place once settled (they then do nothing): named closures cost a
  // name-keeping call each under tsx, and this runs for every ingest request.
  const chunks: Buffer[] = [];
  let size = 0;
  let settled = false;
  req.on('data', (chunk: Buffer) => {
    if (settled) return;
    size += chunk.length;
    if (size <= maxBytes) return void chunks.push(chunk);
    settled = true;
    chunks.length = 0;
    reject(payloadTooLarge(maxBytes));
    discardNodeBody(req);
  });
  req.once('end', () => {
    if (settled) return;
    settled = true;
    resolve(decode(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size)));
  });
  // 'close' before 'end': the client hung up mid-body.
  req.once('close', () => {
    if (settled) return;
    settled = true;
    if (req.complete) resolve(decode(Buffer.concat(chunks, size)));
    else reject(cutOff());
  });
}
