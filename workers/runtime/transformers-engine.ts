import { ErrorCode, FerryError, isFerryError } from '$shared/errors.ts';
import type { ElementType } from '$shared/schemas/manifest.ts';
import { asFerryError } from '../errors-transfer.ts';
import { errorMessage } from '../errors.ts';
import type { LoadedBundle } from '../loader/load-bundle.ts';
import type { BackendPreference, RunInput, TensorArray, TensorOutput } from '../types.ts';
import {
  createPlaced,
  ownedCopy,
  placementOf,
  timeRuns,
  type Engine,
  type EngineResult,
  type Placed,
} from './engine.ts';
import { textOf } from './inputs.ts';
import type { OrtRuntime } from './ort-runtime.ts';
import { scoresFrom } from './postprocess.ts';
import { loadTransformers, registerBundle } from './transformers-env.ts';

interface TfTensor {
  type: string;
  dims: number[];
  data: TensorArray;
}

/** The part of a transformers.js text pipeline Ferry uses. */
interface TextPipeline {
  (text: string, options: Record<string, unknown>): Promise<TfTensor>;
  tokenizer: (text: string, options: Record<string, unknown>) => Record<string, TfTensor>;
  model: ((inputs: Record<string, TfTensor>) => Promise<Record<string, TfTensor>>) & {
    config: { id2label?: Record<string, string> };
  };
  dispose(): Promise<void>;
}

const tensorOut = (t: TfTensor): TensorOutput => ({
  type: t.type as ElementType,
  dims: [...t.dims],
  data: ownedCopy(t.data),
});

/**
 * A transformers.js pipeline for a `text-classification` or `feature-extraction` bundle (Hugging
 * Face layout: config.json, tokenizer.json, tokenizer_config.json, onnx/model[_quantized].onnx),
 * loading every file from the verified bundle. Classification returns the logits and the
 * manifest's post-processing of them; feature extraction a mean-pooled, normalised embedding.
 */
export async function createTransformersEngine(
  bundle: LoadedBundle,
  runtime: OrtRuntime,
  preference: BackendPreference,
): Promise<Engine> {
  const { manifest } = bundle;
  if (manifest.task !== 'text-classification' && manifest.task !== 'feature-extraction') {
    throw new FerryError(
      ErrorCode.UNSUPPORTED_TASK,
      `task: ${manifest.task} does not run on transformers.js`,
    );
  }
  const task = manifest.task;
  const tf = await loadTransformers(runtime);
  const registration = registerBundle(manifest.name, bundle.files);
  let placed: Placed<TextPipeline>;
  try {
    placed = await createPlaced(
      { manifest, runtime, preference },
      (provider) =>
        tf.pipeline(task, registration.id, {
          dtype: manifest.runtime.dtype,
          device: 'auto',
          session_options: { executionProviders: [provider] },
        }) as unknown as Promise<TextPipeline>,
    );
  } catch (error) {
    if (isFerryError(error)) throw error;
    const message = errorMessage(error);
    throw new FerryError(
      ErrorCode.ONNX_INVALID,
      `${manifest.name}: transformers.js could not load it (${message})`,
    );
  } finally {
    // transformers.js reads every file while it builds the pipeline; the bytes can go now.
    registration.release();
  }
  const pipe = placed.value;
  const pre = manifest.preprocessing;
  const maxLength = pre.kind === 'text' ? pre.maxLength : undefined;
  const labels = Object.entries(pipe.model.config.id2label ?? {})
    .sort(([a], [b]) => Number(a) - Number(b))
    .map(([, label]) => label);

  async function infer(text: string): Promise<EngineResult> {
    try {
      if (task === 'feature-extraction') {
        return { outputs: { embedding: tensorOut(await pipe(text, { pooling: 'mean', normalize: true })) } };
      }
      const encoded = pipe.tokenizer(text, {
        truncation: true,
        ...(maxLength ? { max_length: maxLength } : {}),
      });
      const logits = (await pipe.model(encoded)).logits;
      if (!logits) throw new Error('the model returned no "logits" output');
      const outputs = { logits: tensorOut(logits) };
      const scores = scoresFrom(manifest, outputs, labels);
      return scores ? { outputs, scores } : { outputs };
    } catch (error) {
      throw asFerryError(error, ErrorCode.INFERENCE_FAILED);
    }
  }

  const text = (input: RunInput) => {
    const value = textOf(input);
    if (value === undefined) {
      throw new FerryError(ErrorCode.INVALID_INPUT, `input: ${task} models take a string or { text }`);
    }
    return value;
  };

  return {
    runtime: 'transformers',
    ...placementOf(placed),
    run: (input) => infer(text(input)),
    async measure(input, iterations) {
      const value = text(input);
      return timeRuns(iterations, () => infer(value));
    },
    dispose: () => pipe.dispose(),
  };
}
