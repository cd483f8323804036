import { ErrorCode, FerryError, isFerryError } from '$shared/errors.ts';
import type { ElementType } from '$shared/schemas/manifest.ts';
import type { Tensor } from 'onnxruntime-web';
import { asFerryError } from '../errors-transfer.ts';
import { errorMessage } from '../errors.ts';
import type { LoadedBundle } from '../loader/load-bundle.ts';
import type { BackendPreference, RunInput, TensorOutput } from '../types.ts';
import { createPlaced, ownedCopy, placementOf, timeRuns, type Engine, type EngineResult } from './engine.ts';
import { imageSizeOf, toFeeds } from './inputs.ts';
import type { OrtRuntime } from './ort-runtime.ts';
import { boxesFrom, scoresFrom } from './postprocess.ts';
import type { Feed } from './tensor-input.ts';

/**
 * An onnxruntime-web session for a bundle's ONNX file, on WebGPU when chosen and possible (a
 * failed WebGPU session falls back to WASM, recording why), fed through the manifest's
 * pre-processing and scored by its post-processing.
 */
export async function createOrtEngine(
  bundle: LoadedBundle,
  runtime: OrtRuntime,
  preference: BackendPreference,
): Promise<Engine> {
  const { manifest } = bundle;
  const file = manifest.files.find((f) => f.role === 'onnx');
  const model = file && bundle.files.get(file.path);
  if (!file || !model) throw new FerryError(ErrorCode.MANIFEST_INVALID, `${manifest.name}: no onnx file`);
  const placed = await createPlaced({ manifest, runtime, preference }, (provider) =>
    runtime.ort.InferenceSession.create(model, {
      executionProviders: [provider],
      graphOptimizationLevel: 'all',
    }),
  ).catch((error: unknown) => {
    throw sessionError(error, file.path);
  });
  const session = placed.value;

  const toTensors = (feeds: Record<string, Feed>) =>
    Object.fromEntries(
      Object.entries(feeds).map(([name, feed]) => [
        name,
        new runtime.ort.Tensor(feed.type as Tensor.Type, feed.data as Tensor.DataType, feed.dims),
      ]),
    );

  async function infer(feeds: Record<string, Tensor>): Promise<Record<string, TensorOutput>> {
    try {
      const results = await session.run(feeds);
      return Object.fromEntries(
        Object.entries(results).map(([name, t]) => [
          name,
          { type: t.type as ElementType, dims: [...t.dims], data: ownedCopy(t.data as TensorOutput['data']) },
        ]),
      );
    } catch (error) {
      throw asFerryError(error, ErrorCode.INFERENCE_FAILED);
    }
  }

  return {
    runtime: 'onnxruntime',
    ...placementOf(placed),
    async run(input: RunInput): Promise<EngineResult> {
      const inputs = toFeeds(manifest, input);
      const outputs = await infer(toTensors(inputs));
      const scores = scoresFrom(manifest, outputs);
      const boxes = boxesFrom(manifest, outputs, imageSizeOf(input, manifest));
      return { outputs, inputs, ...(scores ? { scores } : {}), ...(boxes ? { boxes } : {}) };
    },
    async measure(input, iterations) {
      const tensors = toTensors(toFeeds(manifest, input));
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
