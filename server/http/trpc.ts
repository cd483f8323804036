import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { ErrorCode, FerryError, isErrorCode, type HttpErrorBody } from '$shared';
import type { Ferry } from '../ferry.ts';
import { appRouter } from '../routers/index.ts';
import { lazyActor } from '../services/authorize.ts';
import { discardBody, readBodyText } from './body-limit.ts';
import { errorResponse, json } from './respond.ts';
import { mediaTypeOf } from './media-type.ts';

/** Largest tRPC request body accepted; blobs go through the upload route, not here. */
export const TRPC_MAX_BODY_BYTES = 16 * 1024 * 1024;

const ENDPOINT = '/api/trpc';

/**
 * Serves `/api/trpc/*` with the fetch adapter (httpBatchLink and httpLink compatible). Requests
 * are refused as a whole, as `{ error: { code, message } }`, before any procedure runs when the
 * body passes 16 MiB (413, counted on the stream) or a batch carries more calls than
 * `config.trpcMaxBatch` (400 `BATCH_TOO_LARGE`). Everything else is tRPC's JSON envelope.
 */
export async function serveTrpc(request: Request, ferry: Ferry): Promise<Response> {
  let forwarded: { request: Request; bodyError: FerryError | null };
  try {
    assertBatchSize(request, ferry.config.trpcMaxBatch);
    forwarded = await withReadBody(request);
  } catch (error) {
    discardBody(request);
    return errorResponse(error);
  }
  const response = await fetchRequestHandler({
    endpoint: ENDPOINT,
    req: forwarded.request,
    router: appRouter,
    createContext: () => ({
      ferry,
      authenticate: lazyActor(ferry.deps.db, request.headers.get('authorization')),
      bodyError: forwarded.bodyError,
    }),
    onError({ error, path }) {
      if (error.code === 'INTERNAL_SERVER_ERROR')
        console.error(`ferry: tRPC ${path ?? '?'} failed`, error.cause ?? error);
    },
  });
  return jsonErrors(response);
}

// tRPC 11 has `maxBatchSize`, but its error says neither the size nor the limit, and arrives as
// text/plain; counting here is the same split of the path that tRPC does.
function assertBatchSize(request: Request, limit: number): void {
  const url = new URL(request.url);
  if (url.searchParams.get('batch') !== '1') return;
  const calls = url.pathname.slice(ENDPOINT.length).split(/,|%2C/i).length;
  if (calls > limit) {
    throw new FerryError(
      ErrorCode.BATCH_TOO_LARGE,
      `batch: ${calls} calls in one request, more than the limit of ${limit}`,
      { details: { calls, limit } },
    );
  }
}

/**
 * The request tRPC gets: a JSON body read here under the size limit, so tRPC never reads the
 * network. Any other Content-Type is not read at all; tRPC gets an empty JSON request and each
 * procedure throws `bodyError` after its scope check, so a caller without a token gets 401
 * first, as the docs promise, and never tRPC's own text/plain 415.
 */
async function withReadBody(request: Request): Promise<{ request: Request; bodyError: FerryError | null }> {
  if (request.method !== 'POST') return { request, bodyError: null };
  const headers = new Headers(request.headers);
  headers.delete('content-length');
  headers.delete('transfer-encoding');
  const type = request.headers.get('content-type');
  if (isJson(type)) {
    const body = await readBodyText(request, TRPC_MAX_BODY_BYTES);
    const signal = request.signal;
    return { request: new Request(request.url, { method: 'POST', headers, body, signal }), bodyError: null };
  }
  discardBody(request);
  headers.set('content-type', 'application/json');
  const bodyError = new FerryError(
    ErrorCode.UNSUPPORTED_MEDIA_TYPE,
    type === null
      ? 'Content-Type: missing; send the body as application/json'
      : `Content-Type: "${type}" is not supported; send the body as application/json`,
  );
  return {
    request: new Request(request.url, { method: 'POST', headers, signal: request.signal }),
    bodyError,
  };
}

function isJson(contentType: string | null): boolean {
  return mediaTypeOf(contentType) === 'application/json';
}

const ferryCodeOfTrpc: Record<string, ErrorCode> = {
  BAD_REQUEST: ErrorCode.INVALID_INPUT,
  PARSE_ERROR: ErrorCode.INVALID_INPUT,
  NOT_FOUND: ErrorCode.NOT_FOUND,
  METHOD_NOT_SUPPORTED: ErrorCode.METHOD_NOT_ALLOWED,
  UNSUPPORTED_MEDIA_TYPE: ErrorCode.UNSUPPORTED_MEDIA_TYPE,
  PAYLOAD_TOO_LARGE: ErrorCode.PAYLOAD_TOO_LARGE,
};

interface TrpcEnvelope {
  error?: { message?: unknown; data?: { code?: unknown; ferryCode?: unknown } };
}

/**
 * tRPC answers errors it finds before any procedure runs (a malformed path, mixed procedure
 * types in a batch) with its envelope under `text/plain`; they become Ferry's JSON error with
 * the same status. Every other response passes unchanged.
 */
async function jsonErrors(response: Response): Promise<Response> {
  const type = response.headers.get('content-type');
  if (response.status < 400 || isJson(type)) return response;
  let envelope: TrpcEnvelope = {};
  try {
    envelope = JSON.parse(await response.text()) as TrpcEnvelope;
  } catch (error) {
    console.error('ferry: tRPC answered an error that is not JSON', error);
  }
  const data = envelope.error?.data;
  const code = isErrorCode(data?.ferryCode)
    ? data.ferryCode
    : (ferryCodeOfTrpc[String(data?.code)] ??
      (response.status < 500 ? ErrorCode.INVALID_INPUT : ErrorCode.INTERNAL));
  const message =
    response.status < 500 && typeof envelope.error?.message === 'string'
      ? envelope.error.message
      : 'Internal server error';
  const body: HttpErrorBody = { error: { code, message } };
  const headers: Record<string, string> = {};
  response.headers.forEach((value, key) => {
    if (key !== 'content-type' && key !== 'content-length') headers[key] = value;
  });
  return json(body, { status: response.status, headers });
}
