import { serveBlob } from '$server/http/blobs.ts';
import { initFerry } from '$server/runtime.ts';
import type { RequestHandler } from './$types';

/** A published blob's bytes, with ranges and conditional requests (docs/http-api.md). */
export const GET: RequestHandler = async ({ request, params }) =>
  serveBlob(request, await initFerry(), params.sha256);

/** The same headers as GET, without the body. */
export const HEAD: RequestHandler = GET;
