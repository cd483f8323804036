import type { ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { isBodySource, type Answer, type BodySource, type InlineBody } from '../answer.ts';
import type { HeaderList } from './header-list.ts';

const NO_HEADERS: HeaderList = { flat: [], names: new Set() };

/** Statuses that never carry a body, so no Content-Length (RFC 9110 §8.6). */
const hasNoBody = (status: number) => status === 204 || status === 304 || status < 200;

const byteLength = (body: InlineBody) =>
  body === null ? 0 : typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength;

/**
 * Writes `answer` to Node's `res` after the headers of `fixed` (the front door's baseline and
 * the isolation headers, header-list.ts), which win over the answer's own of the same name. A
 * body in memory goes out with every header in one `writeHead` of a flat list and one `res.end`,
 * with the Content-Length Node would add (none for HEAD, nor for 204 and 304); a body source is opened and piped with back-pressure, and its stream is
 * cancelled when the client goes away. A source that fails before the first byte rejects with
 * headers unsent (the caller answers with an error); one that fails later destroys the socket,
 * so that no client takes a truncated body for a whole one.
 */
export function writeAnswer(
  res: ServerResponse,
  answer: Answer,
  fixed: HeaderList = NO_HEADERS,
): void | Promise<void> {
  const { body } = answer;
  if (isBodySource(body)) return writeSource(res, { ...answer, body }, fixed);
  const flat = fixed.flat.slice();
  let declaresLength = false;
  for (const name in answer.headers) {
    const lower = name.toLowerCase();
    if (fixed.names.has(lower)) continue;
    if (lower === 'content-length') declaresLength = true;
    flat.push(name, answer.headers[name] as string);
  }
  // Node sends no body for HEAD, and says no length for it either.
  if (!declaresLength && res.req.method !== 'HEAD' && !hasNoBody(answer.status)) {
    flat.push('Content-Length', String(byteLength(body)));
  }
  res.writeHead(answer.status, flat);
  res.end(body ?? undefined);
}

function setHeaders(res: ServerResponse, answer: Answer, fixed: HeaderList): void {
  for (let i = 0; i < fixed.flat.length; i += 2)
    res.setHeader(fixed.flat[i] as string, fixed.flat[i + 1] as string);
  for (const name in answer.headers) {
    if (!fixed.names.has(name.toLowerCase())) res.setHeader(name, answer.headers[name] as string);
  }
  // statusCode rather than writeHead: the piped body's first write sends the headers with it.
  res.statusCode = answer.status;
}

async function writeSource(
  res: ServerResponse,
  answer: Answer<BodySource>,
  fixed: HeaderList,
): Promise<void> {
  const source = await answer.body.open();
  setHeaders(res, answer, fixed);
  try {
    await pipeline(Readable.fromWeb(source as NodeReadableStream<Uint8Array>), res);
  } catch {
    // The client went away, or the source failed mid-body: pipeline destroyed both ends.
    res.destroy();
  }
}
