import type { ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { isBodySource, type Answer, type BodySource } from '../answer.ts';

/**
 * Writes `answer` to Node's `res`. A body in memory goes out with its headers in one `res.end`
 * (Node adds Content-Length); a body source is opened and piped with back-pressure, and its
 * stream is cancelled when the client goes away. A source that fails before the first byte
 * rejects with headers unsent (the caller answers with an error); one that fails later destroys
 * the socket, so that no client takes a truncated body for a whole one.
 */
export function writeAnswer(res: ServerResponse, answer: Answer): void | Promise<void> {
  const { body } = answer;
  if (isBodySource(body)) return writeSource(res, answer, body);
  writeHead(res, answer);
  res.end(body ?? undefined);
}

function writeHead(res: ServerResponse, answer: Answer): void {
  for (const name in answer.headers) res.setHeader(name, answer.headers[name] as string);
  // statusCode rather than writeHead: with headers still unsent, end() writes headers and body together.
  res.statusCode = answer.status;
}

async function writeSource(res: ServerResponse, answer: Answer, body: BodySource): Promise<void> {
  const source = await body.open();
  writeHead(res, answer);
  try {
    await pipeline(Readable.fromWeb(source as NodeReadableStream<Uint8Array>), res);
  } catch {
    // The client went away, or the source failed mid-body: pipeline destroyed both ends.
    res.destroy();
  }
}
