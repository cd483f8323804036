import { initFerry } from '$server/runtime.ts';
import type { RequestHandler } from './$types';

/**
 * Telemetry ingest (docs/http-api.md). `npm start` serves it ahead of SvelteKit on the fast lane
 * (server/http/node/fast-routes.ts), with the same handler; this route serves `vite dev`.
 */
export const POST: RequestHandler = async ({ request, getClientAddress }) =>
  (await initFerry()).telemetry.handler(request, getClientAddress());
