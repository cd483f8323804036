import { z } from 'zod';
import { BundleManifest, BundlePath, ModelName, SemVer, Sha256, Task, VersionStatus } from './manifest.ts';

/** One version in `GET /api/v1/models`. */
export const VersionSummary = z.object({
  version: SemVer,
  status: VersionStatus,
  publishedAt: z.iso.datetime(),
  metadataVersion: z.number().int().positive(),
  /** Sum of the sizes of the version's files, in bytes. */
  size: z.number().int().nonnegative(),
});
export type VersionSummary = z.infer<typeof VersionSummary>;

/** One model in `GET /api/v1/models`; versions newest first by semver. */
export const ModelSummary = z.object({
  name: ModelName,
  task: Task,
  description: z.string(),
  /** What the `latest` alias resolves to: highest published, else highest deprecated, never yanked. */
  latest: SemVer.nullable(),
  versions: z.array(VersionSummary),
});
export type ModelSummary = z.infer<typeof ModelSummary>;

/** The body of `GET /api/v1/models`. */
export const ModelList = z.object({ models: z.array(ModelSummary) });
export type ModelList = z.infer<typeof ModelList>;

/** A file of a bundle being published: its path in `ferry.json` and the digest of its uploaded bytes. */
export const UploadedFile = z.object({
  path: BundlePath,
  sha256: Sha256,
  size: z.number().int().nonnegative(),
});
export type UploadedFile = z.infer<typeof UploadedFile>;

/**
 * Input of the `versions.publish` procedure: the bundle's `ferry.json` and, for each file it lists,
 * the digest of the bytes already uploaded with `PUT /api/v1/uploads/{sha256}`.
 */
export const PublishInput = z.object({
  manifest: BundleManifest,
  files: z.array(UploadedFile).min(1).max(256),
});
export type PublishInput = z.infer<typeof PublishInput>;
/** {@link PublishInput} as sent, before manifest defaults are applied. */
export type PublishInputRaw = z.input<typeof PublishInput>;

/** What a successful publish returns. */
export const PublishResult = z.object({
  name: ModelName,
  version: SemVer,
  metadataVersion: z.number().int().positive(),
  publishedAt: z.iso.datetime(),
  size: z.number().int().nonnegative(),
});
export type PublishResult = z.infer<typeof PublishResult>;

/**
 * Scopes an API token may carry: `publish` (upload and publish), `admin` (tokens, statuses, audit),
 * `read` (telemetry summaries and drift reports), `operator` (rollouts, stable versions, blocks)
 * and `metrics` (the Prometheus scrape). `admin` implies `read` and `operator`
 * ({@link scopeGrants}); otherwise they are independent (admin does not imply publish).
 */
export const TokenScope = z.enum(['publish', 'admin', 'read', 'operator', 'metrics']);
export type TokenScope = z.infer<typeof TokenScope>;

/** Scopes that holding another one grants as well. */
const IMPLIED: Partial<Record<TokenScope, readonly TokenScope[]>> = { admin: ['read', 'operator'] };

/** Whether a token holding `held` may act where `required` is needed (`admin` implies `read` and `operator`). */
export function scopeGrants(held: readonly TokenScope[], required: TokenScope): boolean {
  return held.some((scope) => scope === required || (IMPLIED[scope]?.includes(required) ?? false));
}

/** A token as listed (the secret itself is shown once, at creation, and never again). */
export const TokenInfo = z.object({
  id: z.number().int().positive(),
  name: z.string(),
  prefix: z.string(),
  scopes: z.array(TokenScope),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
});
export type TokenInfo = z.infer<typeof TokenInfo>;

/** The body of a blob upload's success response. */
export const UploadResult = z.object({ sha256: Sha256, size: z.number().int().nonnegative() });
export type UploadResult = z.infer<typeof UploadResult>;

/** Error bodies of the plain HTTP routes: `{ error: { code, message } }`. */
export const HttpErrorBody = z.object({
  error: z.object({ code: z.string(), message: z.string() }),
});
export type HttpErrorBody = z.infer<typeof HttpErrorBody>;
