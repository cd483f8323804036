import { ErrorCode, FerryError, isFerryError } from '$shared/errors.ts';
import type { ElementType } from '$shared/schemas/manifest.ts';
import type { InferenceSession, Tensor } from 'onnxruntime-web';
import { asFerryError } from '../errors-transfer.ts';
import { errorMessage } from '../errors.ts';
import type { LoadedBundle } from '../loader/load-bundle.ts';
import type { BackendPreference, RunInput, TensorOutput } from '../types.ts';
import {
  createPlaced,
  ownedCopy,
  placementOf,
  timeRuns,
  type Engine,
  type EngineResult,
  type InferenceTally,
} from './engine.ts';
import { createFeeder, imageSizeOf } from './inputs.ts';
import type { OrtRuntime } from './ort-runtime.ts';
import { boxesFrom, scoresFrom } from './postprocess.ts';
import type { Feed } from './tensor-input.ts';

/**
 * An onnxruntime-web session for a bundle's ONNX file, on WebGPU when chosen and possible (a
 * failed WebGPU session falls back to WASM, recording why), fed through the manifest's
 * pre-processing and scored by its post-processing. A compiled form was optimised when it was
 * published: its session skips the optimiser (the original's runs all of it).
 */
export async function createOrtEngine(
  bundle: Pick<LoadedBundle, 'manifest' | 'files' | 'compiled'>,
  runtime: OrtRuntime,
  preference: BackendPreference,
): Promise<Engine> {
  const { manifest } = bundle;
  const file = manifest.files.find((f) => f.role === 'onnx');
  const model = file && bundle.files.get(file.path);
  if (!file || !model) throw new FerryError(ErrorCode.MANIFEST_INVALID, `${manifest.name}: no onnx file`);
  const compiled = bundle.compiled.has(file.path);
  const placed = await createPlaced({ manifest, runtime, preference }, (provider) =>
    runtime.ort.InferenceSession.create(model, {
      executionProviders: [provider],
      graphOptimizationLevel: compiled ? 'disabled' : 'all',
    }),
  ).catch((error: unknown) => {
    throw sessionError(error, file.path);
  });
  const session = placed.value;

  const feed = createFeeder(manifest);
  const OrtTensor = runtime.ort.Tensor;
  const toTensors = (feeds: Record<string, Feed>) => {
    const tensors: Record<string, Tensor> = {};
    for (const name in feeds) {
      const { type, data, dims } = feeds[name] as Feed;
      tensors[name] = new OrtTensor(type as Tensor.Type, data as Tensor.DataType, dims);
    }
    return tensors;
  };

  /** The session's outputs in memory of their own, so that they can be transferred. */
  const owned = (results: InferenceSession.ReturnType): Record<string, TensorOutput> => {
    const outputs: Record<string, TensorOutput> = {};
    for (const name in results) {
      const t = results[name] as Tensor;
      outputs[name] = {
        type: t.type as ElementType,
        dims: t.dims as number[], // onnxruntime makes a new array per output
        data: ownedCopy(t.data as TensorOutput['data']),
      };
    }
    return outputs;
  };

  const failed = (error: unknown) => {
    throw asFerryError(error, ErrorCode.INFERENCE_FAILED);
  };

  const inference: InferenceTally = { runs: 0, ms: 0 };
  // Only probability maps make boxes, and only boxes need the input image's size.
  const boxing = manifest.postprocessing.kind === 'probability-map';

  return {
    runtime: 'onnxruntime',
    ...placementOf(placed),
    compiled,
    inference,
    // A plain promise chain rather than async functions: run() is the hot path (issue 10, point 10).
    run(input: RunInput): Promise<EngineResult> {
      let inputs: Record<string, Feed>;
      let running: Promise<InferenceSession.ReturnType>;
      let started: number;
      try {
        inputs = feed(input);
        const tensors = toTensors(inputs);
        started = performance.now();
        running = session.run(tensors);
      } catch (error) {
        return Promise.reject(error as Error);
      }
      return running.then((results) => {
        inference.ms += performance.now() - started;
        inference.runs++;
        const outputs = owned(results);
        const result: EngineResult = { outputs, inputs };
        const scores = scoresFrom(manifest, outputs);
        if (scores) result.scores = scores;
        const boxes = boxing && boxesFrom(manifest, outputs, imageSizeOf(input, manifest));
        if (boxes) result.boxes = boxes;
        return result;
      }, failed);
    },
    async measure(input, iterations) {
      const tensors = toTensors(feed(input));
      return timeRuns(iterations, () => session.run(tensors));
    },
    dispose: () => session.release(),
  };
}

/** A session that could not be created: the runtime itself (wasm not loadable) or the model file. */
function sessionError(error: unknown, path: string): FerryError {
  if (isFerryError(error)) return error;
  const message = errorMessage(error);
  if (/no available backend|failed to fetch/i.test(message)) {
    return new FerryError(ErrorCode.BACKEND_UNAVAILABLE, `onnxruntime-web could not start (${message})`, {
      cause: error,
    });
  }
  return new FerryError(ErrorCode.ONNX_INVALID, `${path}: onnxruntime-web could not load it (${message})`, {
    cause: error,
    details: { path },
  });
}
