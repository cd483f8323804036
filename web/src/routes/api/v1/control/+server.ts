import { serveControlBatch } from '$server/rollouts/http.ts';
import { initFerry } from '$server/runtime.ts';
import type { RequestHandler } from './$types';

/** The signed control documents of several models, `?models=a,b` (docs/http-api.md). */
export const GET: RequestHandler = async ({ request }) =>
  serveControlBatch(request, (await initFerry()).control);
