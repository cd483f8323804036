import { serverInfo } from '../services/server-info.ts';
import { publicProcedure, router } from './trpc.ts';

/** Facts about this server. */
export const serverRouter = router({
  /** The same body as GET /.well-known/ferry.json. */
  info: publicProcedure.query(({ ctx }) => serverInfo(ctx.ferry)),
});
