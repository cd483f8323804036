import { request, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { createParser, type EventSourceMessage } from 'eventsource-parser';

/** A GET /api/v1/events stream as a test reads it, parsed by eventsource-parser (not our code). */
export interface EventStream {
  status: number;
  headers: IncomingHttpHeaders;
  /** The body of a refused request (JSON error), '' for a stream. */
  text: string;
  /** The `retry:` values, events and comments parsed so far, in order. */
  retries: number[];
  events: EventSourceMessage[];
  comments: string[];
  /** The response: `pause()` it to stall this reader (the socket stops being read). */
  response: IncomingMessage;
  /** Resolves once `condition()` holds, re-checked after every chunk; rejects if the stream ends first. */
  until(condition: () => boolean): Promise<void>;
  /** Resolves when the server has ended or dropped the stream. */
  closed: Promise<void>;
  close(): void;
}

/** Options of {@link openEventStream}. */
export interface OpenEventStreamOptions {
  headers?: Record<string, string>;
  method?: string;
}

/**
 * Opens `url` (an events URL) on a connection of its own and resolves once the response head is
 * in; the body is parsed as it arrives.
 *
 * @example
 * const stream = await openEventStream(`${url}/api/v1/events?models=a`);
 * await stream.until(() => stream.events.length > 0);
 */
export function openEventStream(url: string, options: OpenEventStreamOptions = {}): Promise<EventStream> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'GET', headers: options.headers, agent: false });
    req.once('error', reject);
    req.once('response', (response) => {
      const waiters = new Set<() => void>();
      let ended = false;
      const wake = () => waiters.forEach((waiter) => waiter());
      const stream: EventStream = {
        status: response.statusCode ?? 0,
        headers: response.headers,
        text: '',
        retries: [],
        events: [],
        comments: [],
        response,
        until: (condition) =>
          new Promise<void>((done, fail) => {
            const check = () => {
              if (condition()) {
                waiters.delete(check);
                done();
              } else if (ended) {
                waiters.delete(check);
                fail(
                  new Error(`the stream ended first; events: ${stream.events.map((e) => e.id).join(',')}`),
                );
              }
            };
            waiters.add(check);
            check();
          }),
        closed: new Promise<void>((done) => response.once('close', done)),
        close: () => req.destroy(),
      };
      const parser = createParser({
        onEvent: (event) => stream.events.push(event),
        onRetry: (retry) => stream.retries.push(retry),
        onComment: (comment) => stream.comments.push(comment),
      });
      const sse = response.headers['content-type']?.startsWith('text/event-stream') ?? false;
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        if (sse) parser.feed(chunk);
        else stream.text += chunk;
        wake();
      });
      response.once('close', () => {
        ended = true;
        wake();
      });
      response.once('error', () => undefined);
      resolve(stream);
    });
    req.end();
  });
}
