import { z } from 'zod';
import { listAudit } from '../services/audit.ts';
import { adminProcedure, router } from './trpc.ts';

/** The audit log (admin scope). */
export const auditRouter = router({
  /** Newest entries first; pass the last id seen as `before` for the next page. */
  list: adminProcedure
    .input(
      z
        .object({
          limit: z.number().int().min(1).max(500).default(100),
          before: z.number().int().positive().optional(),
        })
        .default({ limit: 100 }),
    )
    .query(({ ctx, input }) => listAudit(ctx.ferry.deps.db, input)),
});
