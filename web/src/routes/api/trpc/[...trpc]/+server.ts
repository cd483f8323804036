import { serveTrpc } from '$server/http/trpc.ts';
import { initFerry } from '$server/runtime.ts';
import type { RequestHandler } from './$types';

const handler: RequestHandler = async ({ request }) => serveTrpc(request, await initFerry());

/** Queries (GET, also batched) and mutations (POST) of the tRPC router. */
export const GET = handler;
/** See {@link GET}. */
export const POST = handler;
