import {
  ErrorCode,
  FerryError,
  TELEMETRY_MAX_BYTES,
  TelemetryBatch,
  describeIssue,
  isFerryError,
  type ErrorCode as Code,
} from '$shared';
import { discardBody, readBodyText } from '../http/body-limit.ts';
import { mediaTypeOf } from '../http/media-type.ts';
import { errorResponse, json } from '../http/respond.ts';
import { clientAddressOf } from './client-address.ts';
import type { TelemetryIngest } from './ingest.ts';
import type { RateLimiter } from './rate-limit.ts';

/** Who hears about each batch the route handles (server/metrics' IngestMetrics fits); never throws. */
export interface IngestObserver {
  accepted(runs: number): void;
  duplicate(): void;
  refused(code: Code): void;
}

/** What {@link createTelemetryHandler} needs. */
export interface TelemetryHandlerDeps {
  ingest: TelemetryIngest;
  limiter: RateLimiter;
  /** Peers whose `X-Forwarded-For` is believed (client-address.ts). */
  trustedProxies: readonly string[];
  observer?: IngestObserver;
}

// sendBeacon sends a string as text/plain, which needs no CORS preflight; fetch may send JSON.
const MEDIA_TYPES = new Set(['application/json', 'text/plain']);

async function parseBatch(request: Request): Promise<TelemetryBatch> {
  const contentType = request.headers.get('content-type');
  if (!MEDIA_TYPES.has(mediaTypeOf(contentType))) {
    throw new FerryError(
      ErrorCode.UNSUPPORTED_MEDIA_TYPE,
      `Content-Type: must be application/json or text/plain, not ${contentType === null ? 'absent' : `"${contentType.slice(0, 100)}"`}`,
    );
  }
  const text = await readBodyText(request, TELEMETRY_MAX_BYTES);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (cause) {
    throw new FerryError(ErrorCode.INVALID_INPUT, `body: not valid JSON (${(cause as Error).message})`);
  }
  const parsed = TelemetryBatch.safeParse(body);
  if (!parsed.success) throw new FerryError(ErrorCode.INVALID_INPUT, describeIssue(parsed.error, 'body'));
  return parsed.data;
}

/**
 * `POST /api/v1/telemetry` (docs/http-api.md): one batch per request, as `application/json` or
 * `text/plain` (sendBeacon), at most TELEMETRY_MAX_BYTES on the wire whatever `Content-Length`
 * says. Answers 200 `{ status: "accepted" }`, or `{ status: "duplicate" }` for a batch id already
 * ingested (nothing changes). Refusals store nothing: 415 (media type), 413 (size), 400 (JSON,
 * schema, or not fitting the version, naming the field), 404 (model or version), 429 with
 * `Retry-After` past the per-address rate (`peerAddress`: the socket's, see client-address.ts).
 * CORS and preflights are the caller's (server/http/cors.ts).
 */
export function createTelemetryHandler(deps: TelemetryHandlerDeps) {
  return async (request: Request, peerAddress: string): Promise<Response> => {
    if (request.method !== 'POST') {
      const error = new FerryError(
        ErrorCode.METHOD_NOT_ALLOWED,
        `method: ${request.method} is not allowed on /api/v1/telemetry (allowed: POST, OPTIONS)`,
      );
      const response = errorResponse(error);
      response.headers.set('Allow', 'POST, OPTIONS');
      return response;
    }
    // Before the body is read: a refused client costs no parsing.
    const client = clientAddressOf(peerAddress, request.headers.get('x-forwarded-for'), deps.trustedProxies);
    const verdict = deps.limiter.take(client);
    if (!verdict.allowed) {
      deps.observer?.refused(ErrorCode.RATE_LIMITED);
      discardBody(request);
      const error = new FerryError(
        ErrorCode.RATE_LIMITED,
        `rate: too many telemetry requests from this address; retry after ${verdict.retryAfterSeconds} s`,
      );
      const response = errorResponse(error);
      response.headers.set('Retry-After', String(verdict.retryAfterSeconds));
      return response;
    }
    try {
      const batch = await parseBatch(request);
      const status = await deps.ingest.ingest(batch);
      if (status === 'accepted') deps.observer?.accepted(batch.runs);
      else deps.observer?.duplicate();
      return json({ status });
    } catch (error) {
      // A body refused before it was read (wrong media type) is drained, so the answer arrives.
      discardBody(request);
      deps.observer?.refused(isFerryError(error) ? error.code : ErrorCode.INTERNAL);
      return errorResponse(error, 'POST /api/v1/telemetry');
    }
  };
}

/** A handler made by {@link createTelemetryHandler}. */
export type TelemetryHandler = ReturnType<typeof createTelemetryHandler>;
