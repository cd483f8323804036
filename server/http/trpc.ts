import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import type { Ferry } from '../ferry.ts';
import { appRouter } from '../routers/index.ts';
import { payloadTooLarge } from '../storage/blob-store.ts';
import { errorResponse } from './respond.ts';

/** Largest tRPC request body accepted; blobs go through the upload route, not here. */
const MAX_BODY_BYTES = 16 * 1024 * 1024;

/** Serves `/api/trpc/*` with the fetch adapter (httpBatchLink and httpLink compatible). */
export function serveTrpc(request: Request, ferry: Ferry): Promise<Response> | Response {
  const length = Number(request.headers.get('content-length') ?? 0);
  if (length > MAX_BODY_BYTES) {
    return errorResponse(payloadTooLarge(MAX_BODY_BYTES));
  }
  return fetchRequestHandler({
    endpoint: '/api/trpc',
    req: request,
    router: appRouter,
    createContext: () => ({ ferry, authorization: request.headers.get('authorization') }),
    onError({ error, path }) {
      if (error.code === 'INTERNAL_SERVER_ERROR')
        console.error(`ferry: tRPC ${path ?? '?'} failed`, error.cause ?? error);
    },
  });
}
