import type { TokenScope } from '$shared';
import type { FerryDb } from '../db/open.ts';
import type { ControlBus } from '../events/bus.ts';
import type { Failpoints } from '../failpoints.ts';
import type { ModelWork } from '../model-work/model-work.ts';
import type { Signer } from '../signing/signer.ts';
import type { BlobStore } from '../storage/blob-store.ts';
import type { TelemetryStore } from '../telemetry/store.ts';

/** What the services need from the running server; they know nothing of HTTP or tRPC. */
export interface ServiceDeps {
  db: FerryDb;
  blobs: BlobStore;
  signer: Signer;
  failpoints: Failpoints;
  maxFileBytes: number;
  /** Per-version telemetry buckets and batch idempotency records. */
  telemetry: TelemetryStore;
  /** How long a signed control document stays valid (FERRY_CONTROL_LIFETIME_MS). */
  controlLifetimeMs: number;
  /** Where a re-signed control document is announced, after its transaction commits. */
  events: ControlBus;
  /** Whether publishing makes compiled forms of ONNX files (FERRY_COMPILE_MODELS; server/compile/). */
  compileModels: boolean;
  /** Where a publish's onnxruntime work runs: a thread of its own in the server (server/model-work/). */
  modelWork: ModelWork;
}

/** Who is acting: a token's holder, or the server itself. */
export interface Actor {
  /** Null for the server itself (bootstrap, example publishing). */
  tokenId: number | null;
  name: string;
  scopes: readonly TokenScope[];
}

/** The server acting on its own behalf. */
export const systemActor: Actor = { tokenId: null, name: 'system', scopes: ['publish', 'admin'] };
