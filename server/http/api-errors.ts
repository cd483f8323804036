import { ErrorCode, type HttpErrorBody } from '$shared';
import { isApiPath, json } from './respond.ts';

// The Ferry code of an error status that a framework answered without one.
const CODE_OF_STATUS: Readonly<Record<number, ErrorCode>> = {
  400: ErrorCode.INVALID_INPUT,
  401: ErrorCode.UNAUTHENTICATED,
  403: ErrorCode.FORBIDDEN,
  404: ErrorCode.NOT_FOUND,
  405: ErrorCode.METHOD_NOT_ALLOWED,
  408: ErrorCode.REQUEST_TIMEOUT,
  413: ErrorCode.PAYLOAD_TOO_LARGE,
  415: ErrorCode.UNSUPPORTED_MEDIA_TYPE,
  416: ErrorCode.RANGE_NOT_SATISFIABLE,
};

function codeOf(status: number): ErrorCode {
  return CODE_OF_STATUS[status] ?? (status >= 500 ? ErrorCode.INTERNAL : ErrorCode.INVALID_INPUT);
}

function messageOf(
  code: ErrorCode,
  request: { method: string; pathname: string },
  allow: string | null,
): string {
  const { method, pathname } = request;
  switch (code) {
    case ErrorCode.NOT_FOUND:
      return `path: no API route ${pathname}`;
    case ErrorCode.METHOD_NOT_ALLOWED:
      return `method: ${method} is not allowed on ${pathname}${allow ? ` (allowed: ${allow})` : ''}`;
    default:
      return `${method} ${pathname} was refused`;
  }
}

/**
 * Keeps the JSON error contract under /api/ for errors SvelteKit answers itself (unknown routes,
 * the 405 of a `+server.ts` without that method, a malformed request): a non-JSON error response
 * there becomes `{ error: { code, message } }` with the same status and `Allow` header. Other
 * responses pass through untouched; pages keep their HTML error pages.
 */
export function asApiError(request: Request, response: Response): Response {
  const { pathname } = new URL(request.url);
  const contentType = response.headers.get('content-type') ?? '';
  if (response.status < 400 || !isApiPath(pathname) || contentType.startsWith('application/json')) {
    return response;
  }
  void response.body?.cancel();
  const code = codeOf(response.status);
  const allow = response.headers.get('allow');
  const message =
    code === ErrorCode.INTERNAL
      ? 'Internal server error'
      : messageOf(code, { method: request.method, pathname }, allow);
  const body: HttpErrorBody = { error: { code, message } };
  // The framework's status stands, even where the code alone would map to another one.
  return json(body, { status: response.status, headers: allow === null ? {} : { Allow: allow } });
}
