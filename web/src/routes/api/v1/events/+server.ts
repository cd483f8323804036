import { ErrorCode, FerryError } from '$shared';
import { errorResponse } from '$server/http/respond.ts';
import type { RequestHandler } from './$types';

/**
 * GET /api/v1/events is a long-lived stream held by the server's front door (server/events),
 * ahead of SvelteKit; `npm start` serves it. Under `vite dev` there is no front door, so this
 * route says so instead of the generic 404 (docs/http-api.md).
 */
export const GET: RequestHandler = () =>
  errorResponse(
    new FerryError(
      ErrorCode.NOT_FOUND,
      'GET /api/v1/events (server-sent events) is served by `npm start` only, not by `vite dev`; clients fall back to polling /api/v1/control',
    ),
  );
