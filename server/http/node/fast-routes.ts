import type { IncomingMessage, ServerResponse } from 'node:http';
import { ErrorCode, FerryError } from '$shared';
import { createEventHub } from '../../events/hub.ts';
import { eventsRoute } from '../../events/route.ts';
import type { Ferry } from '../../ferry.ts';
import { controlAnswer, controlBatchAnswer } from '../../rollouts/http.ts';
import type { Answer, RequestView } from '../answer.ts';
import { blobAnswer } from '../blobs.ts';
import { preflightAnswer } from '../cors.ts';
import type { IngestRequest } from '../../telemetry/http.ts';
import { manifestAnswer } from '../manifest.ts';
import { errorAnswer } from '../respond.ts';
import { wellKnownAnswer } from '../well-known.ts';
import { fail, type FastRoute, type FastRouteContext, type NativeRoute } from './front-door.ts';
import { createHeaderLists, type HeaderList } from './header-list.ts';
import { lingerAfterEarlyAnswer } from './linger.ts';
import { hasBody, viewOfNode } from './node-request.ts';
import { discardNodeBody, readNodeTextThen, type BodyReceiver } from './read-body.ts';
import { writeAnswer } from './write-answer.ts';

/** What a route's core gets: the request's view, the pattern's match, and Node's request itself. */
interface Call {
  view: RequestView;
  match: RegExpExecArray;
  req: IncomingMessage;
  context: FastRouteContext;
}

type Serve = (call: Call) => Answer | Promise<Answer>;

/** The 405 SvelteKit gives a `+server.ts` without the method, in the JSON contract (api-errors.ts). */
function methodNotAllowed(view: RequestView, allow: string): Answer {
  const error = new FerryError(
    ErrorCode.METHOD_NOT_ALLOWED,
    `method: ${view.method} is not allowed on ${view.pathname} (allowed: ${allow})`,
  );
  const answer = errorAnswer(error);
  answer.headers.Allow = allow;
  return answer;
}

/** A response being sent, with the request it answers. */
interface Sending {
  view: RequestView;
  req: IncomingMessage;
  res: ServerResponse;
}

/** What every native route of one server shares: the server, and its header lists (header-list.ts). */
interface Lane {
  ferry: Ferry;
  headerLists: (pathname: string, origin: string | null) => HeaderList;
}

/** What a route answers before its core, as hooks.server.ts would: a preflight's answer, a 405, or null. */
function earlyAnswer(lane: Lane, view: RequestView, allow: { methods: readonly string[]; header: string }) {
  return (
    preflightAnswer(view, lane.ferry.config) ??
    (allow.methods.includes(view.method) ? null : methodNotAllowed(view, allow.header))
  );
}

/**
 * A native route that answers what hooks.server.ts would around the same core: preflights, the
 * methods in `spec.allow` (HEAD as GET without a body, as SvelteKit does) or 405, then the
 * baseline, isolation and CORS headers, written straight to Node's response in one `writeHead`.
 * The core hands its answer to `reply` once, whenever it has it (the ingest route's, from the
 * body's and the commit's callbacks: no promise per request); a failure to send it is the front
 * door's (`fail`), as a handler's rejection is.
 */
function replyingRoute(
  lane: Lane,
  spec: { pattern: RegExp; allow: readonly string[] },
  serve: (call: Call, reply: (answer: Answer) => void) => void,
): NativeRoute {
  const { pattern } = spec;
  const allow = { methods: spec.allow, header: spec.allow.join(', ') };
  return {
    pattern,
    writesBaseline: true,
    // No named closure per request: the server bundle keeps function names (esbuild's keepNames),
    // which costs a defineProperty for each one made.
    native(req, res, match) {
      const view = viewOfNode(req);
      const call = { view, req, res };
      try {
        const early = earlyAnswer(lane, view, allow);
        if (early !== null) return send(lane, call, early);
        // The front door's context is the socket's peer address, which `req` has too.
        const context = { peerAddress: req.socket.remoteAddress ?? '' };
        serve({ view, match, req, context }, (answer) => send(lane, call, answer));
      } catch (error) {
        send(lane, call, errorAnswer(error, `${view.method} ${view.pathname}`));
      }
    },
  };
}

/** Sends `answer` ({@link finish}); a failure to is the front door's (`fail`), as a handler's rejection is. */
function send(lane: Lane, call: Sending, answer: Answer): void {
  try {
    finish(lane, call, answer)?.catch((error: unknown) => sendFailed(call, error));
  } catch (error) {
    sendFailed(call, error);
  }
}

function sendFailed(call: Sending, error: unknown): void {
  fail(call.res, `${call.view.method} ${call.view.pathname}`, error);
}

/** {@link replyingRoute} for a core that returns its answer; only one that must wait (opening a blob) pays for a promise. */
function route(lane: Lane, spec: { pattern: RegExp; allow: readonly string[] }, serve: Serve): NativeRoute {
  return replyingRoute(lane, spec, (call, reply) => {
    const answer = serve(call);
    if (!(answer instanceof Promise)) return reply(answer);
    answer.then(reply, (error: unknown) =>
      reply(errorAnswer(error, `${call.view.method} ${call.view.pathname}`)),
    );
  });
}

/** Sends `answer` with the baseline, isolation and CORS headers; HEAD gets no body. */
function finish(lane: Lane, call: Sending, answer: Answer): void | Promise<void> {
  const { view, req, res } = call;
  const fixed = lane.headerLists(view.pathname, view.header('origin'));
  // Node sends no body for HEAD; a body source is not even opened.
  const final = view.method === 'HEAD' ? { ...answer, body: null } : answer;
  if (hasBody(req) && !req.complete) {
    // An answer given before the body has arrived: the front door left this to the route.
    lingerAfterEarlyAnswer(req, res);
    // Drop the rest so that the answer reaches the client.
    if (req.readableFlowing !== true) discardNodeBody(req);
  }
  const written = writeAnswer(res, final, fixed);
  if (!(written instanceof Promise)) return written;
  return written.catch((error: unknown) => {
    // Opening the body failed before anything was sent (a blob gone from the store).
    if (res.headersSent) throw error;
    return writeAnswer(res, errorAnswer(error, `${view.method} ${view.pathname}`), fixed);
  });
}

/** The ingest route's view of Node's request; methods on the prototype, so no closures per request. */
class NodeIngestRequest implements IngestRequest {
  readonly method: string;
  readonly header: (name: string) => string | null;
  readonly peerAddress: string;
  private readonly req: IncomingMessage;
  constructor(view: RequestView, req: IncomingMessage, peerAddress: string) {
    this.method = view.method;
    this.header = view.header;
    this.peerAddress = peerAddress;
    this.req = req;
  }
  readText(maxBytes: number, receiver: BodyReceiver<string>): void {
    readNodeTextThen(this.req, maxBytes, receiver);
  }
  discard(): void {
    discardNodeBody(this.req);
  }
}

const param = (match: RegExpExecArray, index: number) => decodeURIComponent(match[index] ?? '');
/** The query of a request target (`/path?a=b`), empty when it has none. */
const queryOf = (target = '') =>
  new URLSearchParams(target.includes('?') ? target.slice(target.indexOf('?') + 1) : '');

/**
 * The hot public routes served ahead of SvelteKit (issue 8's fast lane): telemetry ingest, blob
 * and manifest GETs and /.well-known/ferry.json, on Node's request and response, through the same
 * cores (server/http/{manifest,blobs,well-known}.ts, server/telemetry/http.ts) and with the same
 * headers as their SvelteKit routes under web/src/routes, which still serve `vite dev`.
 */
export function fastRoutes(ferry: Ferry): (FastRoute | NativeRoute)[] {
  // One hub per server process: every stream of GET /api/v1/events (served here only) hangs off it.
  const lane: Lane = { ferry, headerLists: createHeaderLists(ferry.config) };
  const hub = createEventHub({
    reader: ferry.control,
    bus: ferry.events,
    settings: ferry.config.events,
    observer: ferry.metrics.events,
  });
  return [
    eventsRoute({ config: ferry.config, reader: ferry.control, hub }),
    replyingRoute(
      lane,
      { pattern: /^\/api\/v1\/telemetry$/, allow: ['POST'] },
      ({ view, req, context }, reply) =>
        ferry.telemetry.handler.reply(new NodeIngestRequest(view, req, context.peerAddress), reply),
    ),
    route(lane, { pattern: /^\/api\/v1\/blobs\/([^/]+)$/, allow: ['GET', 'HEAD'] }, ({ view, match }) =>
      blobAnswer(view, ferry, param(match, 1)),
    ),
    route(
      lane,
      { pattern: /^\/api\/v1\/models\/([^/]+)\/versions\/([^/]+)\/manifest$/, allow: ['GET', 'HEAD'] },
      ({ view, match }) => manifestAnswer(view, ferry, { name: param(match, 1), version: param(match, 2) }),
    ),
    route(
      lane,
      { pattern: /^\/api\/v1\/models\/([^/]+)\/control$/, allow: ['GET', 'HEAD'] },
      ({ view, match }) => controlAnswer(ferry.control, param(match, 1), view.header('if-none-match')),
    ),
    route(lane, { pattern: /^\/api\/v1\/control$/, allow: ['GET', 'HEAD'] }, ({ view, req }) =>
      controlBatchAnswer(ferry.control, queryOf(req.url), view.header('if-none-match')),
    ),
    route(lane, { pattern: /^\/\.well-known\/ferry\.json$/, allow: ['GET', 'HEAD'] }, () =>
      wellKnownAnswer(ferry),
    ),
  ];
}
