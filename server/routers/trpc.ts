import { initTRPC, TRPCError } from '@trpc/server';
import { z } from 'zod';
import {
  ErrorCode,
  describeIssue,
  isFerryError,
  scopeGrants,
  type FerryError,
  type TokenScope,
} from '$shared';
import { isExposable, statusOf } from '../error-map.ts';
import type { Ferry } from '../ferry.ts';
import { requireScope } from '../services/authorize.ts';
import type { Actor } from '../services/deps.ts';

/** What every procedure sees: the backend, the request's actor and whether its body is usable. */
export interface TrpcContext {
  ferry: Ferry;
  /**
   * The actor of the request's `Authorization` header, resolved on the first call and memoised
   * for the whole HTTP request (one token lookup per batch); throws `UNAUTHENTICATED`.
   */
  authenticate: () => Actor;
  /** Why the request's body cannot be read (e.g. an unsupported Content-Type), or null. */
  bodyError: FerryError | null;
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

/**
 * Runs before input parsing, so an unauthenticated call gets 401 whatever its input. With
 * `alternative`, a token holding that scope instead passes too (the 403 names `scope`).
 */
function scoped(scope: TokenScope, alternative?: TokenScope) {
  return t.middleware(({ ctx, next }) => {
    const held = ctx.authenticate();
    const actor: Actor =
      alternative !== undefined && scopeGrants(held.scopes, alternative) ? held : requireScope(held, scope);
    return next({ ctx: { actor } });
  });
}

// After the scope check: the docs promise 401/403 before anything about the input (a 415 too).
const refuseUnusableBody = t.middleware(({ ctx, next }) => {
  if (ctx.bodyError) throw ctx.bodyError;
  return next();
});

const mapped = t.procedure.use(mapFerryErrors);

/** tRPC's router factory bound to Ferry's context. */
export const router = t.router;
/** Open to anyone; for public reads. */
export const publicProcedure = mapped.use(refuseUnusableBody);
/** Requires a token with the `publish` scope; `ctx.actor` is its holder. */
export const publishProcedure = mapped.use(scoped('publish')).use(refuseUnusableBody);
/** Requires a token with the `admin` scope; `ctx.actor` is its holder. */
export const adminProcedure = mapped.use(scoped('admin')).use(refuseUnusableBody);
/** Requires a token with the `read` scope (`admin` implies it); `ctx.actor` is its holder. */
export const readProcedure = mapped.use(scoped('read')).use(refuseUnusableBody);
/** Requires a token with the `operator` scope (`admin` implies it); `ctx.actor` is its holder. */
export const operatorProcedure = mapped.use(scoped('operator')).use(refuseUnusableBody);
/** Requires a token with the `read` or the `operator` scope (`admin` implies both). */
export const readOrOperatorProcedure = mapped.use(scoped('read', 'operator')).use(refuseUnusableBody);
