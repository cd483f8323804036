import { ErrorCode, isFerryError, type HttpErrorBody } from '$shared';
import { isExposable, statusOf } from '../error-map.ts';
import { responseOf, type Answer, type InlineBody } from './answer.ts';

type JsonInit = { status?: number; headers?: Record<string, string> };

/** A JSON answer with `status` and extra `headers`. */
export function jsonAnswer(body: unknown, init: JsonInit = {}): Answer<InlineBody> {
  return {
    status: init.status ?? 200,
    headers: { 'Content-Type': 'application/json; charset=utf-8', ...init.headers },
    body: JSON.stringify(body),
  };
}

/** A JSON response with `status` and extra `headers`. */
export function json(body: unknown, init: JsonInit = {}): Response {
  return responseOf(jsonAnswer(body, init));
}

/**
 * 503 UNAVAILABLE with `message` and `Retry-After`: a refusal the client should retry, whose
 * message is written for it ({@link errorAnswer} hides the message of every 5xx).
 */
export function unavailableAnswer(message: string, retryAfterSeconds: number): Answer<InlineBody> {
  const code = ErrorCode.UNAVAILABLE;
  const body: HttpErrorBody = { error: { code, message } };
  return jsonAnswer(body, {
    status: statusOf(code).status,
    headers: { 'Retry-After': String(retryAfterSeconds) },
  });
}

/**
 * The error answer of the plain HTTP routes: `{ error: { code, message } }` with the status the
 * code maps to. Unknown errors become a 500 whose message reveals nothing; they are logged, with
 * `context` (e.g. the method and path) when given.
 */
export function errorAnswer(error: unknown, context?: string): Answer<InlineBody> {
  if (isExposable(error)) {
    const body: HttpErrorBody = { error: { code: error.code, message: error.message } };
    return jsonAnswer(body, { status: statusOf(error.code).status });
  }
  console.error(`ferry: unexpected error while serving ${context ?? 'a request'}`, error);
  const code = isFerryError(error) ? error.code : ErrorCode.INTERNAL;
  const body: HttpErrorBody = { error: { code, message: 'Internal server error' } };
  return jsonAnswer(body, { status: 500 });
}

/** {@link errorAnswer} as a web `Response`. */
export function errorResponse(error: unknown, context?: string): Response {
  return responseOf(errorAnswer(error, context));
}

/** Whether `pathname` belongs to the JSON API, whose errors are always `{ error: { code, message } }`. */
export function isApiPath(pathname: string): boolean {
  return pathname === '/api' || pathname.startsWith('/api/') || pathname.startsWith('/.well-known/');
}

/**
 * {@link errorResponse} under the JSON API ({@link isApiPath}); elsewhere (pages, static files)
 * the same status with the message as plain text.
 */
export function errorResponseFor(pathname: string, error: unknown, context?: string): Response {
  const response = errorResponse(error, context);
  if (isApiPath(pathname)) return response;
  const message = isExposable(error) ? error.message : 'Internal server error';
  return new Response(`${message}\n`, {
    status: response.status,
    headers: { 'Content-Type': 'text/plain; charset=utf-8' },
  });
}

/** Runs `handler` and turns anything it throws into {@link errorResponse}. */
export async function guarded(handler: () => Response | Promise<Response>): Promise<Response> {
  try {
    return await handler();
  } catch (error) {
    return errorResponse(error);
  }
}

/** Runs `handler` and turns anything it throws into {@link errorAnswer}. */
export function guardedAnswer<B>(handler: () => Answer<B>): Answer<B | InlineBody> {
  try {
    return handler();
  } catch (error) {
    return errorAnswer(error);
  }
}

/** Whether an `If-None-Match` header matches the strong entity tag `etag` (quoted). */
export function matchesEtag(ifNoneMatch: string | null, etag: string): boolean {
  if (ifNoneMatch === null) return false;
  if (ifNoneMatch.trim() === '*') return true;
  return ifNoneMatch.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
}
