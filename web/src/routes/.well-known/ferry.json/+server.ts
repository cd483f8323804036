import { serveWellKnown } from '$server/http/well-known.ts';
import { initFerry } from '$server/runtime.ts';
import type { RequestHandler } from './$types';

/** Server info and the public signing key (docs/http-api.md). */
export const GET: RequestHandler = async () => serveWellKnown(await initFerry());
