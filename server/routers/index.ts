import { driftRouter } from '../drift/router.ts';
import { rolloutsRouter } from '../rollouts/router.ts';
import { telemetryRouter } from '../telemetry/router.ts';
import { auditRouter } from './audit.ts';
import { modelsRouter } from './models.ts';
import { serverRouter } from './server.ts';
import { tokensRouter } from './tokens.ts';
import { router } from './trpc.ts';
import { versionsRouter } from './versions.ts';

/** Every tRPC procedure Ferry serves at /api/trpc. */
export const appRouter = router({
  audit: auditRouter,
  drift: driftRouter,
  models: modelsRouter,
  rollouts: rolloutsRouter,
  server: serverRouter,
  telemetry: telemetryRouter,
  tokens: tokensRouter,
  versions: versionsRouter,
});

/** The router's type, for typed clients (`createTRPCClient<AppRouter>`). */
export type AppRouter = typeof appRouter;
