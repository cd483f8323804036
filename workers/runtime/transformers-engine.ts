import { ErrorCode, FerryError, isFerryError } from '$shared/errors.ts';
import { measuresTokens, type Tokenized } from '$shared/features/text-features.ts';
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
  tokenizer: ((text: string, options: Record<string, unknown>) => Record<string, TfTensor>) & {
    /** Undefined when tokenizer_config.json names no `unk_token`. */
    unk_token_id?: number;
    all_special_ids: number[];
  };
  model: ((inputs: Record<string, TfTensor>) => Promise<Record<string, TfTensor>>) & {
    config: { id2label?: Record<string, string> };
  };
  dispose(): Promise<void>;
}

/** The ids of a tokenizer's `input_ids` (int64, so bigint) as numbers, with its unknown and special ids. */
function tokenized(ids: TfTensor | undefined, vocab: Omit<Tokenized, 'ids'>): Tokenized | undefined {
  if (!ids) return undefined;
  const numbers = new Array<number>(ids.data.length);
  for (let i = 0; i < numbers.length; i++) numbers[i] = Number(ids.data[i]);
  return { ...vocab, ids: numbers };
}

const tensorOut = (t: TfTensor): TensorOutput => ({
  type: t.type as ElementType,
  dims: [...t.dims],
  data: ownedCopy(t.data),
});

/**
 * A transformers.js pipeline for a `text-classification` or `feature-extraction` bundle (Hugging
 * Face layout: config.json, tokenizer.json, tokenizer_config.json, onnx/model[_quantized].onnx),
 * loading every file from the verified bundle (a compiled form under the ONNX file's path, which
 * onnxruntime recognises by its bytes, with graph optimisation off). Classification returns the logits and the
 * manifest's post-processing of them; feature extraction a mean-pooled, normalised embedding.
 */
export async function createTransformersEngine(
  bundle: Pick<LoadedBundle, 'manifest' | 'files' | 'compiled'>,
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
  // Every ONNX file or none is compiled (delivered-files.ts): whichever the pipeline reads.
  const compiled = bundle.compiled.size > 0;
  let placed: Placed<TextPipeline>;
  try {
    placed = await createPlaced(
      { manifest, runtime, preference },
      (provider) =>
        tf.pipeline(task, registration.id, {
          dtype: manifest.runtime.dtype,
          device: 'auto',
          session_options: {
            executionProviders: [provider],
            ...(compiled ? { graphOptimizationLevel: 'disabled' } : {}),
          },
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

  // Token ids go to telemetry only when the reference profile measures token features.
  const vocab = measuresTokens(manifest.reference?.features)
    ? { unkId: pipe.tokenizer.unk_token_id ?? -1, specialIds: new Set(pipe.tokenizer.all_special_ids) }
    : undefined;

  async function infer(text: string): Promise<EngineResult> {
    try {
      if (task === 'feature-extraction') {
        const embedding = tensorOut(await pipe(text, { pooling: 'mean', normalize: true }));
        // The pipeline keeps its ids to itself: the same tokenizer call again, as the pipeline makes it.
        const tokens =
          vocab && tokenized(pipe.tokenizer(text, { padding: true, truncation: true }).input_ids, vocab);
        return { outputs: { embedding }, ...(tokens ? { tokens } : {}) };
      }
      const encoded = pipe.tokenizer(text, {
        truncation: true,
        ...(maxLength ? { max_length: maxLength } : {}),
      });
      // Copied before the model runs, which may release its input tensors.
      const tokens = vocab && tokenized(encoded.input_ids, vocab);
      const logits = (await pipe.model(encoded)).logits;
      if (!logits) throw new Error('the model returned no "logits" output');
      const outputs = { logits: tensorOut(logits) };
      const scores = scoresFrom(manifest, outputs, labels);
      return { outputs, ...(scores ? { scores } : {}), ...(tokens ? { tokens } : {}) };
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
    compiled,
    run: (input) => infer(text(input)),
    async measure(input, iterations) {
      const value = text(input);
      return timeRuns(iterations, () => infer(value));
    },
    dispose: () => pipe.dispose(),
  };
}
