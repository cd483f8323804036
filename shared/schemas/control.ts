import { z } from 'zod';
import { ModelName, SemVer } from './manifest.ts';

/** The bucket space of a rollout: basis points, so 1 bucket is 0.01% of devices. */
export const BUCKETS = 10_000;

const range = { min: z.number().optional(), max: z.number().optional() };

/**
 * One targeting condition, evaluated on the device against facts that never leave it. A
 * rollout's conditions are AND-ed; a device that fails one stays on the stable version.
 * Numeric conditions hold when `min <= value <= max` (either bound may be absent); a fact the
 * browser does not expose (e.g. `deviceMemory` outside Chromium) fails the condition.
 */
export const TargetingCondition = z.discriminatedUnion('attribute', [
  /** WebGPU has a usable (non-software) adapter. */
  z.object({ attribute: z.literal('webgpu'), equals: z.boolean() }),
  /** The WebGPU adapter has every listed feature, e.g. `shader-f16`. */
  z.object({
    attribute: z.literal('webgpuFeatures'),
    includes: z.array(z.string().min(1).max(64)).min(1).max(16),
  }),
  /** `navigator.deviceMemory` in GiB. */
  z.object({ attribute: z.literal('deviceMemory'), ...range }),
  /** `navigator.hardwareConcurrency`. */
  z.object({ attribute: z.literal('hardwareConcurrency'), ...range }),
  /** `crossOriginIsolated` of the page. */
  z.object({ attribute: z.literal('crossOriginIsolated'), equals: z.boolean() }),
  /** The host app's version (passed to the client) satisfies a semver range such as `>=2.3.0 <3`. */
  z.object({ attribute: z.literal('appVersion'), range: z.string().min(1).max(256) }),
  /** The locale (BCP 47) equals or starts with one of these tags followed by `-` (`en` matches `en-GB`). */
  z.object({ attribute: z.literal('locale'), in: z.array(z.string().min(1).max(35)).min(1).max(100) }),
  /** A custom attribute the host app passes; it never leaves the device. */
  z.object({
    attribute: z.literal('custom'),
    name: z.string().min(1).max(64),
    in: z
      .array(z.union([z.string().max(256), z.number(), z.boolean()]))
      .min(1)
      .max(100)
      .optional(),
    ...range,
  }),
]);
export type TargetingCondition = z.infer<typeof TargetingCondition>;

/** A staged rollout of `candidate` to `basisPoints` of the devices that match `targeting`. */
export const Rollout = z.object({
  /** Names the rollout in audit logs and telemetry; a new rollout gets a new id. */
  id: z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, 'must be 8–64 letters, digits, _ or -'),
  candidate: SemVer,
  /** Share of devices on the candidate, 0–10,000 (10,000 is everyone who matches `targeting`). */
  basisPoints: z.number().int().min(0).max(BUCKETS),
  /** Mixed into the bucket hash, so each rollout samples its own devices. */
  salt: z.string().regex(/^[0-9a-f]{32}$/, 'must be 32 lowercase hex digits'),
  targeting: z.array(TargetingCondition).max(32),
  startedAt: z.iso.datetime(),
});
export type Rollout = z.infer<typeof Rollout>;

/** What last changed the control state; clients turn it into `versionChanged`'s `reason`. */
export const ControlAction = z.enum([
  'created',
  'published',
  'status-changed',
  'rollout-started',
  'rollout-changed',
  'promoted',
  'rolled-back',
  'stable-set',
  'blocked',
  'unblocked',
]);
export type ControlAction = z.infer<typeof ControlAction>;

/**
 * The `signed` part of a model's control document (`_type: "ferry/control"`), signed with the
 * manifest key in the same envelope. `metadataVersion` comes from the counter manifests use,
 * so a client refuses any document older than one it has seen; `expires` bounds how long a
 * captured document stays acceptable (the server re-signs it well before).
 */
export const ControlDocument = z.object({
  _type: z.literal('ferry/control'),
  schemaVersion: z.literal(1),
  model: ModelName,
  metadataVersion: z.number().int().positive(),
  issuedAt: z.iso.datetime(),
  expires: z.iso.datetime(),
  /** Who gets no rollout: a pinned version, else what `latest` resolves to; null when none can be served. */
  stable: SemVer.nullable(),
  rollout: Rollout.nullable(),
  /** Versions no client may run (the kill switch), whatever they asked for. */
  blocked: z.array(SemVer).max(1000),
  /**
   * Yanked versions (at most the 1,000 highest, sorted by semver), so a device online learns of a
   * yank at SSE speed and treats it like a block. Added after version 1 of this schema: a document
   * signed before it has no field, which reads as none.
   */
  yanked: z.array(SemVer).max(1000).default([]),
  lastChange: z.object({ action: ControlAction, version: SemVer.optional(), at: z.iso.datetime() }),
});
export type ControlDocument = z.infer<typeof ControlDocument>;
