import type { Page } from 'playwright-core';
import type { ModelSelector } from '../../../workers/client.ts';
import type {
  FerryStatus,
  LoadProgress,
  ModelInfo,
  RunResult,
  TensorOutput,
  TextBox,
  VersionChange,
} from '../../../workers/types.ts';

/** JSON-friendly inputs the harness page turns into what `model.run` takes. */
export type HarnessInput =
  | { kind: 'text'; text: string }
  | { kind: 'tabular'; values: Record<string, number> }
  | { kind: 'image'; width: number; height: number; rgba: number[] }
  | { kind: 'filled'; name: string; dims: number[]; value: number }
  | {
      kind: 'tensors';
      tensors: Record<
        string,
        { type: 'float32' | 'int32' | 'int64' | 'uint8'; data: number[]; dims: number[] }
      >;
    };

/** Which version to load, and the key the harness keeps the handle under (default: the name). */
export interface LoadOptions extends ModelSelector {
  key?: string;
}

/** A FerryError as the page saw it. */
export interface PlainError {
  name: string;
  code: string;
  message: string;
  details: Record<string, unknown> | null;
}

/** What the harness's `load` reports. */
export interface LoadReport {
  ok: boolean;
  info?: ModelInfo;
  error?: PlainError;
  progress: LoadProgress[];
  errors: PlainError[];
  versionChanges: VersionChange[];
}

/** An output tensor as the harness hands it over: its typed array as plain numbers. */
export type PlainOutput = Omit<TensorOutput, 'data'> & {
  data: number[];
  /** Its buffer was a plain (transferable) ArrayBuffer, not a SharedArrayBuffer view. */
  transferable: boolean;
};

/** What the harness's `run` reports. */
export interface RunReport {
  ok: boolean;
  result?: Pick<RunResult, 'scores' | 'latencyMs'> & { outputs: Record<string, PlainOutput> };
  error?: PlainError;
  detached?: boolean[];
}

/** Round trips of `run()` next to bare in-worker inferences, in ms. */
export interface Measurement {
  roundTripMs: number[];
  workerMs: number[];
}

/** Time from `createFerryClient` to the first result. */
export interface FirstInference {
  ms: number;
  info: ModelInfo;
}

/** What running a model on an image file of its bundle gave. */
export interface BundleImageRun {
  boxes?: TextBox[];
  dims: Record<string, number[]>;
  fileBytes: number;
}

interface HarnessWindow {
  harness: {
    open(id: string, options: Record<string, unknown>): void;
    load(clientId: string, name: string, options?: LoadOptions): Promise<LoadReport>;
    run(key: string, input: HarnessInput): Promise<RunReport>;
    measure(key: string, input: HarnessInput, iterations: number): Promise<Measurement>;
    timeToFirstInference(
      options: Record<string, unknown>,
      name: string,
      input: HarnessInput,
    ): Promise<FirstInference>;
    runBundleImage(key: string, path: string): Promise<BundleImageRun>;
    dispose(key: string): Promise<void>;
    begin(key: string, input: HarnessInput, iterations: number): void;
    outcome(key: string): Promise<{ ok: boolean; error?: PlainError }>;
    killWorker(clientId: string): number;
    workersMade(clientId: string): number;
    status(clientId: string): Promise<FerryStatus>;
    flushTelemetry(clientId: string): Promise<void>;
    runEach(key: string, inputs: HarnessInput[]): Promise<number>;
    terminate(clientId: string): void;
    cached(): Promise<{ blobs: string[]; models: Record<string, string[]> }>;
  };
}

/** Typed access to test/e2e/pages/harness.mjs in `page`. */
export function harness(page: Page) {
  const call = <R>(method: keyof HarnessWindow['harness'], args: unknown[]) =>
    page.evaluate(
      ([name, list]) => {
        const target = (window as unknown as { harness: Record<string, (...a: unknown[]) => unknown> })
          .harness;
        return target[name]!(...list);
      },
      [method, args] as const,
    ) as Promise<R>;
  return {
    /** Navigates to the harness page and waits for it. */
    async goto(url: string) {
      await page.goto(`${url}harness.html`);
      await page.waitForFunction(() => 'harness' in window);
    },
    /** Reloads the page (same profile) and waits for the harness. */
    async reload() {
      await page.reload();
      await page.waitForFunction(() => 'harness' in window);
    },
    open: (id: string, options: Record<string, unknown>) => call<void>('open', [id, options]),
    /** Loads `name` on client `clientId`, as handle `options.key` (default: the name). */
    load: (clientId: string, name: string, options: LoadOptions = {}) =>
      call<LoadReport>('load', [clientId, name, options]),
    run: (key: string, input: HarnessInput) => call<RunReport>('run', [key, input]),
    measure: (key: string, input: HarnessInput, iterations: number) =>
      call<Measurement>('measure', [key, input, iterations]),
    timeToFirstInference: (options: Record<string, unknown>, name: string, input: HarnessInput) =>
      call<FirstInference>('timeToFirstInference', [options, name, input]),
    /** Runs the model on an image file of its own bundle, decoded in the page. */
    runBundleImage: (key: string, path: string) => call<BundleImageRun>('runBundleImage', [key, path]),
    dispose: (key: string) => call<void>('dispose', [key]),
    /** Starts `measure(input, iterations)` on handle `key` without waiting for it (see `outcome`). */
    begin: (key: string, input: HarnessInput, iterations: number) =>
      call<void>('begin', [key, input, iterations]),
    /** How the call `begin` started on handle `key` ended. */
    outcome: (key: string) => call<{ ok: boolean; error?: PlainError }>('outcome', [key]),
    /**
     * Terminates the newest Worker that the client's `worker` factory (`workerUrl`) made, behind
     * the SDK's back; returns how many it made so far.
     */
    killWorker: (clientId: string) => call<number>('killWorker', [clientId]),
    workersMade: (clientId: string) => call<number>('workersMade', [clientId]),
    status: (clientId: string) => call<FerryStatus>('status', [clientId]),
    /** Queues what the client's telemetry counted so far, as the page hiding would. */
    flushTelemetry: (clientId: string) => call<void>('flushTelemetry', [clientId]),
    /** Runs `key` on each input in turn in the page (one round trip); how many succeeded. */
    runEach: (key: string, inputs: HarnessInput[]) => call<number>('runEach', [key, inputs]),
    terminate: (clientId: string) => call<void>('terminate', [clientId]),
    cached: () => call<{ blobs: string[]; models: Record<string, string[]> }>('cached', []),
  };
}

/** A `tensors` input holding one float32 tensor named `pixels`. */
export interface PixelsInput {
  kind: 'tensors';
  tensors: { pixels: { type: 'float32'; data: number[]; dims: number[] } };
}

/** An 8×8 single-channel float32 `pixels` tensor (digits, tiny-cnn) with `value(i)` at index i. */
export function pixelsInput(value: (i: number) => number): PixelsInput {
  const data = Array.from({ length: 64 }, (_, i) => value(i));
  return { kind: 'tensors', tensors: { pixels: { type: 'float32', data, dims: [1, 1, 8, 8] } } };
}
