import { initTRPC, TRPCError } from '@trpc/server';
import { z } from 'zod';
import { ErrorCode, describeIssue, isFerryError, type TokenScope } from '$shared';
import { isExposable, statusOf } from '../error-map.ts';
import type { Ferry } from '../ferry.ts';
import type { Actor } from '../services/deps.ts';
import { authorize } from '../services/authorize.ts';

/** What every procedure sees: the backend and the request's Authorization header. */
export interface TrpcContext {
  ferry: Ferry;
  authorization: string | null;
}

const t = initTRPC.context<TrpcContext>().create({
  // Messages of client errors name the field at fault; anything else stays on the server.
  errorFormatter({ shape, error }) {
    const zod = error.cause instanceof z.ZodError ? error.cause : null;
    const internal = error.code === 'INTERNAL_SERVER_ERROR' && !isExposable(error.cause);
    const message = zod ? describeIssue(zod, 'input') : internal ? 'Internal server error' : shape.message;
    return {
      ...shape,
      message,
      data: {
        code: shape.data.code,
        httpStatus: shape.data.httpStatus,
        path: shape.data.path,
        ferryCode: isFerryError(error.cause) ? error.cause.code : zod ? ErrorCode.INVALID_INPUT : null,
        zodIssues: zod ? zod.issues.map((i) => ({ path: i.path.map(String), message: i.message })) : null,
      },
    };
  },
});

/** Re-throws a service's FerryError as the TRPCError its code maps to (error-map.ts). */
const mapFerryErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok && isFerryError(result.error.cause)) {
    const cause = result.error.cause;
    throw new TRPCError({ code: statusOf(cause.code).trpc, message: cause.message, cause });
  }
  return result;
});

/** Runs before input parsing, so an unauthenticated call gets 401 whatever its input. */
function requireScope(scope: TokenScope) {
  return t.middleware(({ ctx, next }) => {
    const actor: Actor = authorize(ctx.ferry.deps.db, ctx.authorization, scope);
    return next({ ctx: { actor } });
  });
}

/** tRPC's router factory bound to Ferry's context. */
export const router = t.router;
/** Open to anyone; for public reads. */
export const publicProcedure = t.procedure.use(mapFerryErrors);
/** Requires a token with the `publish` scope; `ctx.actor` is its holder. */
export const publishProcedure = publicProcedure.use(requireScope('publish'));
/** Requires a token with the `admin` scope; `ctx.actor` is its holder. */
export const adminProcedure = publicProcedure.use(requireScope('admin'));
