import { serveManifest } from '$server/http/manifest.ts';
import { initFerry } from '$server/runtime.ts';
import type { RequestHandler } from './$types';

/** The signed manifest of one version, or of `latest` (docs/http-api.md). */
export const GET: RequestHandler = async ({ request, params }) =>
  serveManifest(request, await initFerry(), params);
