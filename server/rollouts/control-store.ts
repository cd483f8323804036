import type { ControlDocument, Rollout } from '$shared';

/** A model's signed control document exactly as served, with the sha256 of those bytes (its ETag). */
export interface StoredControl {
  model: string;
  metadataVersion: number;
  /** The envelope `{ signed: ControlDocument, signatures }`, byte for byte as signed and stored. */
  body: string;
  sha256: string;
}

/** Reads the current control documents; what the public routes and the SSE push serve. */
export interface ControlReader {
  /** The current document of each named model that has one, in the order asked; unknown models are left out. Never throws for a name. */
  current(models: readonly string[]): StoredControl[];
}

/** What operators set on a model; the signed document is derived from it and the model's versions. */
export interface ControlState {
  /** The stable version an operator pinned, or null: stable then follows `latest`. */
  pinnedStable: string | null;
  rollout: Rollout | null;
  /** Blocked versions, sorted by semver. */
  blocked: readonly string[];
}

/** A model's stored control: its state and the document last signed from it. */
export interface ControlRecord {
  modelId: number;
  state: ControlState;
  document: ControlDocument;
}

/** What {@link ControlStore.save} writes: the state and the envelope signed from it. */
export interface ControlWrite {
  modelId: number;
  state: ControlState;
  metadataVersion: number;
  expires: string;
  envelope: string;
  envelopeSha256: string;
}

/**
 * Where control state and documents live. Synchronous on purpose: a document is re-signed inside
 * the registry's own transactions (publish, status change), which are synchronous SQLite ones; a
 * store bound to a transaction handle reads and writes inside it. A Postgres implementation must
 * pass the same behaviour suite (store-contract.ts).
 */
export interface ControlStore extends ControlReader {
  /** The id of model `name`, or null when there is no such model. */
  modelId(name: string): number | null;
  /** The stored control of `name`, or null when it has none (no such model, or not signed yet). */
  load(name: string): ControlRecord | null;
  /** Inserts or replaces the control of `write.modelId`. */
  save(write: ControlWrite): void;
  /** Models whose document expires before `before` (ISO UTC), soonest first. */
  expiringBefore(before: string): string[];
  /** Models that have at least one version but no control document, by name. */
  unsigned(): string[];
}
