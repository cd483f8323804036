import { listModels } from '../services/registry.ts';
import { publicProcedure, router } from './trpc.ts';

/** Models and their versions. */
export const modelsRouter = router({
  /** Every model with its versions and `latest` alias (same body as GET /api/v1/models). */
  list: publicProcedure.query(({ ctx }) => listModels(ctx.ferry.deps.db)),
});
