import type { Handle, ServerInit } from '@sveltejs/kit';
import { building } from '$app/environment';
import { asApiError } from '$server/http/api-errors.ts';
import { preflight, withIsolationHeaders } from '$server/http/cors.ts';
import { initFerry } from '$server/runtime.ts';

/**
 * Opens the backend before the first request: database and migrations, key pair, bootstrap
 * admin token, example bundles (server/ferry.ts). Start-up fails loudly rather than serving
 * half a registry. Skipped while `vite build` prerenders, which must not touch a data dir.
 */
export const init: ServerInit = async () => {
  if (!building) await initFerry();
};

/**
 * Answers CORS preflights, keeps the JSON error contract under /api/ for errors SvelteKit
 * answers itself (404, 405), and puts the isolation (COOP/COEP/CORP) and CORS headers on every
 * response. Cross-site form posts are refused before this, at the front door
 * (server/http/node/front-door.ts), since kit's own check runs before `handle`.
 */
export const handle: Handle = async ({ event, resolve }) => {
  if (building) return resolve(event);
  const { config } = await initFerry();
  const early = preflight(event.request, config);
  if (early) return withIsolationHeaders(event.request, early, config);
  const response = asApiError(event.request, await resolve(event));
  return withIsolationHeaders(event.request, response, config);
};
