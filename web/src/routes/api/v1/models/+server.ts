import { serveModelList } from '$server/http/manifest.ts';
import { initFerry } from '$server/runtime.ts';
import type { RequestHandler } from './$types';

/** Every model and its versions (docs/http-api.md). */
export const GET: RequestHandler = async () => serveModelList(await initFerry());
