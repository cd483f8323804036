import { ErrorCode, FerryError, TELEMETRY_MAX_BYTES, isFerryError, type ErrorCode as Code } from '$shared';
import { discardBody, readBodyText } from '../http/body-limit.ts';
import type { BodyReceiver } from '../http/node/read-body.ts';
import { mediaTypeOf } from '../http/media-type.ts';
import { responseOf, type Answer, type InlineBody } from '../http/answer.ts';
import { errorAnswer, unavailableAnswer } from '../http/respond.ts';
import { clientAddresses } from './client-address.ts';
import type { Ingested, TextIngest } from './ingest-text.ts';
import type { Receiver } from './receiver.ts';
import type { IngestOutcome } from './store.ts';
import type { RateLimiter } from './rate-limit.ts';

/** Who hears about each batch the route handles (server/metrics' IngestMetrics fits); never throws. */
export interface IngestObserver {
  accepted(runs: number): void;
  duplicate(): void;
  refused(code: Code): void;
}

/** What {@link createTelemetryHandler} needs. */
export interface TelemetryHandlerDeps {
  /** Parses, checks and stores a body: on the ingest thread, or in this one (ferry.ts decides). */
  ingest: TextIngest;
  limiter: RateLimiter;
  /** Peers whose `X-Forwarded-For` is believed (client-address.ts). */
  trustedProxies: readonly string[];
  observer?: IngestObserver;
}

/** What the ingest route reads of a request, whether it came as a web `Request` or through Node. */
export interface IngestRequest {
  method: string;
  /** A header's value (name in lower case), or null. */
  header(name: string): string | null;
  /** The socket's peer address (client-address.ts decides whether a proxy's header counts). */
  peerAddress: string;
  /**
   * Hands the body as UTF-8 to `receiver.resolve`, or a refusal to `receiver.reject`
   * (PAYLOAD_TOO_LARGE past `maxBytes` whatever it declares), exactly once. A receiver, not a
   * promise: two fewer promises per ingest request.
   */
  readText(maxBytes: number, receiver: BodyReceiver<string>): void;
  /** Reads and drops a body left unread, in the background, so that the answer reaches the client. */
  discard(): void;
}

// sendBeacon sends a string as text/plain, which needs no CORS preflight; fetch may send JSON.
const MEDIA_TYPES = new Set(['application/json', 'text/plain']);

/** Throws UNSUPPORTED_MEDIA_TYPE unless the body is JSON or plain text (sendBeacon). */
function checkMediaType(request: IngestRequest): void {
  const contentType = request.header('content-type');
  if (!MEDIA_TYPES.has(mediaTypeOf(contentType))) {
    throw new FerryError(
      ErrorCode.UNSUPPORTED_MEDIA_TYPE,
      `Content-Type: must be application/json or text/plain, not ${contentType === null ? 'absent' : `"${contentType.slice(0, 100)}"`}`,
    );
  }
}

// The two acknowledgements, serialized once: every accepted or replayed batch gets one of them.
const ACK_BODIES: Record<IngestOutcome, string> = {
  accepted: JSON.stringify({ status: 'accepted' }),
  duplicate: JSON.stringify({ status: 'duplicate' }),
};

function ack(status: IngestOutcome): Answer<InlineBody> {
  return {
    status: 200,
    headers: { 'Content-Type': 'application/json; charset=utf-8' },
    body: ACK_BODIES[status],
  };
}

function withHeader(answer: Answer<InlineBody>, name: string, value: string): Answer<InlineBody> {
  answer.headers[name] = value;
  return answer;
}

/** Where the ingest route hands its answer: called exactly once per request. */
export type IngestReply = (answer: Answer<InlineBody>) => void;

/**
 * `POST /api/v1/telemetry` (docs/http-api.md): one batch per request, as `application/json` or
 * `text/plain` (sendBeacon), at most TELEMETRY_MAX_BYTES on the wire whatever `Content-Length`
 * says. Answers 200 `{ status: "accepted" }`, or `{ status: "duplicate" }` for a batch id already
 * ingested (nothing changes). Refusals store nothing: 415 (media type), 413 (size), 400 (JSON,
 * schema, or not fitting the version, naming the field), 404 (model or version), 429 with
 * `Retry-After` past the per-address rate (`peerAddress`: the socket's, see client-address.ts).
 * CORS and preflights are the caller's (server/http/cors.ts). Hands the answer to `reply`, exactly
 * once; never throws.
 *
 * Callbacks end to end, no promise of its own: every ingest request passes here, and each promise
 * costs an allocation, a microtask and, once SvelteKit's AsyncLocalStorage is on, async-hook calls.
 */
export function createIngestRoute(deps: TelemetryHandlerDeps) {
  const { ingest, limiter, observer } = deps;
  const clientOf = clientAddresses(deps.trustedProxies);
  const acknowledge = (status: IngestOutcome, runs: number): Answer<InlineBody> => {
    if (status === 'accepted') observer?.accepted(runs);
    else observer?.duplicate();
    return ack(status);
  };
  /** The answer to a refused request, whose body (if left unread) is drained so that it arrives. */
  const refusal = (request: IngestRequest, error: unknown): Answer<InlineBody> => {
    request.discard();
    const code = isFerryError(error) ? error.code : ErrorCode.INTERNAL;
    observer?.refused(code);
    // The ingest thread is restarting or stopping (ingest-thread/host.ts), or the database stayed
    // busy past its timeout (sqlite-store.ts): nothing was stored.
    if (code === ErrorCode.UNAVAILABLE) return unavailableAnswer((error as FerryError).message, 1);
    return errorAnswer(error, 'POST /api/v1/telemetry');
  };
  return (request: IngestRequest, reply: IngestReply): void => {
    if (request.method !== 'POST') {
      const error = new FerryError(
        ErrorCode.METHOD_NOT_ALLOWED,
        `method: ${request.method} is not allowed on /api/v1/telemetry (allowed: POST, OPTIONS)`,
      );
      return reply(withHeader(errorAnswer(error), 'Allow', 'POST, OPTIONS'));
    }
    // Before the body is read: a refused client costs no parsing.
    const verdict = limiter.take(clientOf(request.peerAddress, request.header('x-forwarded-for')));
    if (!verdict.allowed) {
      observer?.refused(ErrorCode.RATE_LIMITED);
      request.discard();
      const error = new FerryError(
        ErrorCode.RATE_LIMITED,
        `rate: too many telemetry requests from this address; retry after ${verdict.retryAfterSeconds} s`,
      );
      return reply(withHeader(errorAnswer(error), 'Retry-After', String(verdict.retryAfterSeconds)));
    }
    try {
      checkMediaType(request);
    } catch (error) {
      return reply(refusal(request, error));
    }
    // Methods, not arrows in named consts: where function names are kept (esbuild's keepNames, tsx)
    // each of those costs a defineProperty per request. Called detached, so no `this`.
    const ingested: Receiver<Ingested> = {
      resolve({ outcome, runs }) {
        reply(acknowledge(outcome, runs));
      },
      reject(error) {
        reply(refusal(request, error));
      },
    };
    const body: BodyReceiver<string> = {
      // Called from the body's 'end' listener: a throw there would reach the host app.
      resolve(text) {
        try {
          ingest.ingestText(text, ingested);
        } catch (error) {
          ingested.reject(error);
        }
      },
      reject: ingested.reject,
    };
    try {
      request.readText(TELEMETRY_MAX_BYTES, body);
    } catch (error) {
      ingested.reject(error);
    }
  };
}

/** The ingest route over a web `Request`, as SvelteKit's route (`vite dev`) calls it. */
function ingestRequestOf(request: Request, peerAddress: string): IngestRequest {
  return {
    method: request.method,
    header: (name) => request.headers.get(name),
    peerAddress,
    readText: (maxBytes, { resolve, reject }) => void readBodyText(request, maxBytes).then(resolve, reject),
    discard: () => discardBody(request),
  };
}

/**
 * {@link createIngestRoute} for web `Request`s (`handler(request, peerAddress)`, SvelteKit's
 * route), with the same route for Node's requests as `handler.reply` (the front door's native
 * route, server/http/node/fast-routes.ts): one implementation, two ways in.
 */
export function createTelemetryHandler(deps: TelemetryHandlerDeps) {
  const reply = createIngestRoute(deps);
  const handler = (request: Request, peerAddress: string): Promise<Response> =>
    new Promise<Answer<InlineBody>>((settle) => reply(ingestRequestOf(request, peerAddress), settle)).then(
      responseOf,
    );
  return Object.assign(handler, { reply });
}

/** A handler made by {@link createTelemetryHandler}. */
export type TelemetryHandler = ReturnType<typeof createTelemetryHandler>;
