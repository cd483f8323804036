import { serveControl } from '$server/rollouts/http.ts';
import { initFerry } from '$server/runtime.ts';
import type { RequestHandler } from './$types';

/** The signed control document of one model (docs/http-api.md). */
export const GET: RequestHandler = async ({ request, params }) =>
  serveControl(request, (await initFerry()).control, params.name);
