import { z } from 'zod';
import { TokenScope } from '$shared';
import { createToken, listTokens, revokeToken } from '../services/tokens.ts';
import { adminProcedure, router } from './trpc.ts';

/** API token administration (admin scope). */
export const tokensRouter = router({
  /** Creates a token; the secret is in the response and nowhere else, ever. */
  create: adminProcedure
    .input(z.object({ name: z.string().min(1).max(100), scopes: z.array(TokenScope).min(1) }))
    .mutation(({ ctx, input }) => createToken(ctx.ferry.deps.db, input, ctx.actor)),
  /** Revokes a token by id; idempotent. */
  revoke: adminProcedure
    .input(z.object({ id: z.number().int().positive() }))
    .mutation(({ ctx, input }) => revokeToken(ctx.ferry.deps.db, input.id, ctx.actor)),
  /** Every token without its secret, newest first. */
  list: adminProcedure.query(({ ctx }) => listTokens(ctx.ferry.deps.db)),
});
