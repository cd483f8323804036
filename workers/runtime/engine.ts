import type { Tokenized } from '$shared/features/text-features.ts';
import type { PublishedManifest } from '$shared/schemas/manifest.ts';
import { errorMessage } from '../errors.ts';
import type { Backend, BackendPreference, RunInput, Score, TensorOutput, TextBox } from '../types.ts';
import { chooseProvider } from './backend.ts';
import type { OrtRuntime } from './ort-runtime.ts';

/** What one inference returns inside the worker (latency is added by the caller). */
export interface EngineResult {
  outputs: Record<string, TensorOutput>;
  scores?: Score[];
  boxes?: TextBox[];
  /** The model's input tensors after preprocessing, for telemetry's features; never sent to the page. */
  inputs?: Record<string, TensorOutput>;
  /** A text input's token ids as the model saw them, for telemetry's token features; never sent to the page. */
  tokens?: Tokenized;
}

/** A loaded model, ready to run. Implementations turn every failure into a FerryError. */
export interface Engine {
  readonly runtime: 'onnxruntime' | 'transformers';
  readonly backend: Backend;
  readonly fallbackReason?: string;
  /** Its session runs a compiled form (see loader/delivered-files.ts), with graph optimisation off. */
  readonly compiled: boolean;
  run(input: RunInput): Promise<EngineResult>;
  /**
   * The inferences `run` made on this engine (onnxruntime's `session.run`, pre- and
   * post-processing excluded) and their summed wall time: lets a benchmark subtract the inference
   * of the very calls it timed instead of a hot loop's. Absent where an engine cannot time its
   * inference apart (a transformers.js pipeline tokenizes inside it).
   */
  readonly inference?: InferenceTally;
  /** Milliseconds of each of `iterations` bare inferences of `input`, pre-processing excluded. */
  measure(input: RunInput, iterations: number): Promise<number[]>;
  dispose(): Promise<void>;
}

/** Counters of an engine's inferences (see {@link Engine.inference}). */
export interface InferenceTally {
  runs: number;
  /** Summed wall time of those inferences, from the call to its promise settling. */
  ms: number;
}

/** A session (or pipeline) and where it ended up running. */
export interface Placed<T> {
  value: T;
  backend: Backend;
  fallbackReason?: string;
}

/**
 * Creates a session on the provider chosen for `manifest`; when WebGPU creation fails (and the
 * bundle does not require WebGPU) creates it on WASM instead and records why. `create` errors on
 * WASM propagate.
 */
export async function createPlaced<T>(
  options: { manifest: PublishedManifest; runtime: OrtRuntime; preference: BackendPreference },
  create: (provider: Backend) => Promise<T>,
): Promise<Placed<T>> {
  const { manifest, runtime, preference } = options;
  const requiresWebGpu = manifest.runtime.requirements.webgpu;
  const choice = chooseProvider({
    preference,
    adapter: runtime.adapter,
    build: runtime.build,
    allowed: manifest.runtime.executionProviders,
    requiresWebGpu,
  });
  if (choice.provider !== 'webgpu' || requiresWebGpu) {
    return { value: await create(choice.provider), backend: choice.provider, ...withReason(choice.reason) };
  }
  try {
    return { value: await create('webgpu'), backend: 'webgpu' };
  } catch (error) {
    runtime.webGpuFailed?.();
    const reason = `WebGPU session creation failed: ${errorMessage(error).split('\n')[0]}`;
    return { value: await create('wasm'), backend: 'wasm', fallbackReason: reason };
  }
}

const withReason = (reason: string | undefined) => (reason ? { fallbackReason: reason } : {});

/** `backend`, and `fallbackReason` only when there is one, of a placed session (or an engine). */
export function placementOf(
  placed: Pick<Placed<unknown>, 'backend' | 'fallbackReason'>,
): Pick<Engine, 'backend' | 'fallbackReason'> {
  return { backend: placed.backend, ...withReason(placed.fallbackReason) };
}

/** Milliseconds taken by each of `iterations` awaited calls of `fn`, one after the other. */
export async function timeRuns(iterations: number, fn: () => Promise<unknown>): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const start = performance.now();
    await fn();
    times.push(performance.now() - start);
  }
  return times;
}

/** Copies tensor data out of memory the runtime may reuse, so it can be transferred. */
export function ownedCopy<T extends TensorOutput['data']>(data: T): T {
  if (Array.isArray(data)) return data;
  const view = data as Exclude<TensorOutput['data'], string[]>;
  const exclusive =
    view.buffer instanceof ArrayBuffer && view.byteOffset === 0 && view.byteLength === view.buffer.byteLength;
  return (exclusive ? view : view.slice()) as T;
}
