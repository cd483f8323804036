import type { IncomingMessage, ServerResponse } from 'node:http';
import { ErrorCode, FerryError } from '$shared';
import type { FerryConfig } from '../config.ts';
import type { Answer, InlineBody, RequestView } from '../http/answer.ts';
import { isolationHeaders, preflightAnswer } from '../http/cors.ts';
import type { NativeRoute } from '../http/node/front-door.ts';
import { viewOfNode } from '../http/node/node-request.ts';
import { writeAnswer } from '../http/node/write-answer.ts';
import { errorAnswer, unavailableAnswer } from '../http/respond.ts';
import type { ControlReader, StoredControl } from '../rollouts/control-store.ts';
import type { EventHub } from './hub.ts';
import { parseEventsRequest } from './request.ts';

/** What {@link eventsRoute} serves from. */
export interface EventsRouteOptions {
  config: FerryConfig;
  reader: ControlReader;
  hub: EventHub;
}

const ALLOW = 'GET, HEAD, OPTIONS';

const STREAM_HEADERS = {
  'Content-Type': 'text/event-stream; charset=utf-8',
  'Cache-Control': 'no-cache',
  // nginx (and proxies that copy it) would otherwise buffer the stream and delay every event.
  'X-Accel-Buffering': 'no',
};

type Outcome =
  | { answer: Answer<InlineBody> }
  | { stream: { models: string[]; after: number; documents: StoredControl[] } };

/** The 503 of a full server. */
function unavailable(max: number, retryMs: number): Answer<InlineBody> {
  return unavailableAnswer(
    `connections: this server holds its maximum of ${max} event streams; retry later`,
    Math.max(1, Math.ceil(retryMs / 1000)),
  );
}

/** The answer when the request opens no stream, or the stream to open with its current documents. */
function decide(req: IncomingMessage, view: RequestView, options: EventsRouteOptions): Outcome {
  const early = preflightAnswer(view, options.config);
  if (early) return { answer: early };
  if (view.method !== 'GET' && view.method !== 'HEAD') {
    const message = `method: ${view.method} is not allowed on /api/v1/events (allowed: ${ALLOW})`;
    const answer = errorAnswer(new FerryError(ErrorCode.METHOD_NOT_ALLOWED, message));
    return { answer: { ...answer, headers: { ...answer.headers, Allow: ALLOW } } };
  }
  try {
    const url = req.url ?? '';
    const query = url.includes('?') ? url.slice(url.indexOf('?') + 1) : '';
    const asked = parseEventsRequest(query, view.header('last-event-id') ?? undefined);
    const documents = options.reader.current(asked.models);
    const known = new Set(documents.map((document) => document.model));
    const unknown = asked.models.filter((model) => !known.has(model));
    if (unknown.length > 0) {
      const names = unknown.map((model) => `"${model}"`).join(', ');
      throw new FerryError(ErrorCode.MODEL_NOT_FOUND, `models: no control document for ${names}`);
    }
    const { maxConnections, retryMs } = options.config.events;
    if (options.hub.size >= maxConnections) return { answer: unavailable(maxConnections, retryMs) };
    return { stream: { ...asked, documents } };
  } catch (error) {
    return { answer: errorAnswer(error, 'GET /api/v1/events') };
  }
}

/**
 * GET /api/v1/events?models=a,b on the fast lane: answers 400 naming `models` or
 * `Last-Event-ID`, 404 MODEL_NOT_FOUND naming every model without a control document, 503 with
 * `Retry-After` at FERRY_SSE_MAX_CONNECTIONS, else hands the response to the hub as an event
 * stream. Public, with the CORS and isolation headers of the other public reads.
 */
export function eventsRoute(options: EventsRouteOptions): NativeRoute {
  return {
    pattern: /^\/api\/v1\/events$/,
    async native(req: IncomingMessage, res: ServerResponse) {
      const view = viewOfNode(req);
      const cors = isolationHeaders(view.pathname, view.header('origin'), options.config);
      const outcome = decide(req, view, options);
      if ('answer' in outcome) {
        const { answer } = outcome;
        return writeAnswer(res, { ...answer, headers: { ...answer.headers, ...cors } });
      }
      res.writeHead(200, { ...STREAM_HEADERS, ...cors });
      if (view.method === 'HEAD') return void res.end();
      options.hub.attach(res, outcome.stream);
    },
  };
}
