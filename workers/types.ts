import type { ErrorCode } from '$shared/errors.ts';
import type { ElementType, PublishedManifest, Task } from '$shared/schemas/manifest.ts';
import type { TextBox } from '$shared/vision/text-boxes.ts';
import type { Assignment, AssignmentReason, ChangeReason } from './control/assignment.ts';
import type { TelemetryStatus } from './telemetry/telemetry.ts';

export type { Assignment, AssignmentReason, ChangeReason };

export type { TextBox };

/** Where models run: `auto` picks WebGPU on a hardware adapter, else WASM. */
export type BackendPreference = 'auto' | 'wasm' | 'webgpu';

/** The execution provider a model actually runs on. */
export type Backend = 'webgpu' | 'wasm';

/** Typed arrays a tensor may hold. */
export type TensorArray =
  | Float32Array
  | Float64Array
  | Int8Array
  | Uint8Array
  | Uint8ClampedArray
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array;

/**
 * A tensor handed to `run`. `type` defaults to what the array is (Float32Array → float32); plain
 * number arrays are converted to the type the model declares.
 */
export interface TensorInput {
  data: TensorArray | readonly number[] | readonly string[];
  dims: readonly number[];
  type?: ElementType;
}

/** A tensor produced by a model. */
export interface TensorOutput {
  type: ElementType;
  dims: number[];
  data: TensorArray | string[];
}

/** RGBA pixels, as `ImageData` has them (an `ImageData` itself will do). */
export interface ImageDataLike {
  data: Uint8ClampedArray | Uint8Array;
  width: number;
  height: number;
}

/** Input of an image task; resized and normalised as the manifest's `preprocessing` says. */
export interface ImageInput {
  image: ImageDataLike;
}

/** Input of a text task. */
export interface TextInput {
  text: string;
}

/** Named tensors, fed to the graph as they are. */
export type TensorInputs = Record<string, TensorInput>;

/** Named feature values of a tabular task, ordered and checked as the manifest's features say. */
export type TabularInput = Record<string, number>;

/** Everything `model.run` accepts; a bare string is a text input. */
export type RunInput = string | TextInput | ImageInput | TensorInputs | TabularInput;

/** One label's score, as the manifest's `postprocessing` computes it. */
export interface Score {
  label: string;
  index: number;
  score: number;
}

/** What `model.run` returns. */
export interface RunResult {
  outputs: Record<string, TensorOutput>;
  /** Label scores, highest first, for bundles with softmax/sigmoid/probabilities postprocessing. */
  scores?: Score[];
  /** Text regions, top to bottom, for bundles with `probability-map` postprocessing. */
  boxes?: TextBox[];
  /** Time spent in the worker (pre-processing, inference, post-processing). */
  latencyMs: number;
}

/** How far loading has come: bytes of the file that moved and of the whole bundle. Monotonic. */
export interface LoadProgress {
  name: string;
  version: string;
  file: string;
  fileLoaded: number;
  fileTotal: number;
  fromCache: boolean;
  loaded: number;
  total: number;
  /** `loaded / total`, 1 when everything is there. */
  fraction: number;
}

/** A model that loaded: what runs, where, and where its bytes came from. */
export interface ModelInfo {
  name: string;
  version: string;
  task: Task;
  /** `transformers` for text-classification and feature-extraction bundles. */
  runtime: 'onnxruntime' | 'transformers';
  backend: Backend;
  threads: number;
  /** Why the model is not on the backend that was preferred (WebGPU failed, no isolation, …). */
  fallbackReason?: string;
  /** Why WASM runs on one thread only (no cross-origin isolation). */
  threadsReason?: string;
  /**
   * The session runs the compiled form of its ONNX file that the server made at publish
   * (onnxruntime's own format, optimised already), which starts faster: on WASM, unless the client
   * said `compiledModels: false` or the version has none. See the README.
   */
  compiled: boolean;
  /** Every file came from the local cache: no blob was downloaded. */
  fromCache: boolean;
  bytesDownloaded: number;
  /** The manifest came from the cache because the server could not be reached (a warm start asks nothing: false). */
  offline: boolean;
  /** The requested version failed; this is the last good version, still verified. */
  fallbackFrom?: { requested: string; code: ErrorCode; message: string };
  /** Whether the verified files are in the persistent cache or only in memory (with why). */
  cache: { persisted: boolean; warning?: string };
  manifest: PublishedManifest;
  loadMs: number;
  /**
   * Which version rollout control assigns this device, and why (`no-control` for a model without
   * a control document, or with `control: false`). Follows every control change.
   */
  assignment: Assignment;
}

/**
 * The model now runs another version. `reason`: `rollout` (a rollout started or widened to this
 * device), `rollback`, `promote`, `blocked` (the version left was blocked), or `update` (a new
 * stable or `latest` version, including one published since this device last used the model).
 */
export interface VersionChange {
  name: string;
  from: string;
  to: string;
  reason: ChangeReason;
}

/** A model handle's lifecycle. */
export type ModelState = 'loading' | 'ready' | 'error' | 'disposed';

/** A snapshot of the client and its worker. */
export interface FerryStatus {
  worker: 'running' | 'crashed' | 'terminated';
  crossOriginIsolated: boolean;
  /** `null` until the first model loads onnxruntime-web. */
  runtime: { build: 'wasm' | 'webgpu'; threads: number; webgpuAdapter: string | null } | null;
  models: {
    name: string;
    version: string | null;
    state: ModelState;
    backend: Backend | null;
    /**
     * The inferences run() made on the running version (onnxruntime's `session.run`, pre- and
     * post-processing excluded) and their summed milliseconds: what a benchmark subtracts from
     * run()'s round trips to see what the boundary adds. Absent for transformers.js pipelines.
     */
    inference?: { runs: number; ms: number };
  }[];
  cache: { kind: 'indexeddb' | 'memory'; bytes: number; budgetBytes: number; warning?: string };
  /** Result of `navigator.storage.persist()` when asked for with `persist: true`. */
  persisted: boolean | null;
  /** Telemetry batches queued, sent and dropped; `{ enabled: false }` with `telemetry: false`. */
  telemetry: TelemetryStatus | { enabled: false };
}
