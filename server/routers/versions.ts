import { z } from 'zod';
import { AnyEnvelope, ModelName, PublishInput, SemVer, VersionStatus } from '$shared';
import { publishVersionFor } from '../services/publish.ts';
import { getEnvelope } from '../services/registry.ts';
import { setVersionStatus } from '../services/status.ts';
import { adminProcedure, publicProcedure, publishProcedure, router } from './trpc.ts';

/** Publishing versions, reading their signed manifests, and changing their status. */
export const versionsRouter = router({
  /** The signed manifest envelope of `name` at `version` (a semver or `latest`). */
  get: publicProcedure
    .input(z.object({ name: ModelName, version: z.union([SemVer, z.literal('latest')]) }))
    .query(({ ctx, input }) => {
      const stored = getEnvelope(ctx.ferry.deps.db, input.name, input.version);
      return AnyEnvelope.parse(JSON.parse(stored.body));
    }),
  /** Publishes a bundle whose files were uploaded through PUT /api/v1/uploads/{sha256}. */
  publish: publishProcedure
    .input(PublishInput)
    .mutation(({ ctx, input, signal }) =>
      publishVersionFor(ctx.ferry.deps, input, { actor: ctx.actor, signal }),
    ),
  /** Deprecates, yanks or restores a version; re-signs its manifest with a new metadataVersion. */
  setStatus: adminProcedure
    .input(z.object({ name: ModelName, version: SemVer, status: VersionStatus }))
    .mutation(({ ctx, input }) => setVersionStatus(ctx.ferry.deps, input, ctx.actor)),
});
