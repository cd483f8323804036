import { ErrorCode, type HttpErrorBody } from '$shared';
import { isApiPath, json } from './respond.ts';

/** The Ferry code for an HTTP error status that a framework produced without one. */
function codeOf(status: number): ErrorCode {
  switch (status) {
    case 400:
      return ErrorCode.INVALID_INPUT;
    case 401:
      return ErrorCode.UNAUTHENTICATED;
    case 403:
      return ErrorCode.FORBIDDEN;
    case 404:
      return ErrorCode.NOT_FOUND;
    case 405:
      return ErrorCode.METHOD_NOT_ALLOWED;
    case 408:
      return ErrorCode.REQUEST_TIMEOUT;
    case 413:
      return ErrorCode.PAYLOAD_TOO_LARGE;
    case 415:
      return ErrorCode.UNSUPPORTED_MEDIA_TYPE;
    default:
      return status >= 500 ? ErrorCode.INTERNAL : ErrorCode.INVALID_INPUT;
  }
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
