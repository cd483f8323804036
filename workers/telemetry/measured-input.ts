import { FULL_INK, type InkScale } from '$shared/features/image-features.ts';
import type { MeasuredInput } from '$shared/features/measure.ts';
import type { Tokenized } from '$shared/features/text-features.ts';
import type { PublishedManifest } from '$shared/schemas/manifest.ts';
import { textOf } from '../runtime/inputs.ts';
import type { Feed } from '../runtime/tensor-input.ts';
import type { RunInput } from '../types.ts';

/** An image input as measured: a view of the model input's feed, refilled per run. */
type ImageMeasured = {
  kind: 'image';
  grid: { width: number; height: number; ink: ArrayLike<number>; scale: InkScale };
};

function isNumberRecord(input: RunInput): input is Record<string, number> {
  if (typeof input !== 'object') return false;
  for (const key in input) if (typeof (input as Record<string, unknown>)[key] !== 'number') return false;
  return true;
}

/** What the engine saw of one run's input (its EngineResult's `inputs` and `tokens`). */
export interface EngineView {
  /** The model's input tensors after preprocessing. */
  readonly inputs?: Readonly<Record<string, Feed>>;
  /** A text input's token ids, from the engine's tokenizer. */
  readonly tokens?: Tokenized;
}

/** Measures the runs of one manifest, set up once per model (see {@link createInputMeasure}). */
export interface InputMeasure {
  /**
   * What the reference features are measured on for one run: undefined when the input gives none
   * of them (the run still counts, its features not). An image's measured input is the same
   * object from call to call, refilled: read it before measuring the next run.
   */
  measure(input: RunInput, seen: EngineView | undefined): MeasuredInput | undefined;
  /** Lets go of the last input measured, so that no run's input outlives its recording. */
  release(): void;
  /**
   * About how many bytes `measure` reads of one run (the feed it measures, the tabular values,
   * the text and its token ids): what holding the run's input until it is measured keeps alive.
   * Reads no more of the input than measuring does, and less: it is counted on every run.
   */
  bytes(input: RunInput, seen: EngineView | undefined): number;
}

const EMPTY: ArrayLike<number> = new Float64Array(0);

/** Bytes of a feed's values: a typed array's own, about 16 per string. */
function feedBytes(feed: Feed | undefined): number {
  if (!feed) return 0;
  const { data } = feed;
  return ArrayBuffer.isView(data) ? data.byteLength : data.length * 16;
}

/**
 * The measure of a one-channel image bundle: the feed itself, read through the preprocessing
 * undone (`raw = (v · std + mean) / scale`, already inverted where the bundle inverts) and put on
 * the 0–16 ink scale of shared/features/image-features.ts, so the same extractors apply whether
 * the page passed an ImageData or the tensor itself. No copy of the input: the extractors apply
 * the scale as they read it, in the one pass that measuring a digits run is mostly made of.
 */
function imageMeasure(pre: Extract<PublishedManifest['preprocessing'], { kind: 'image' }>): InputMeasure {
  const pixels = pre.width * pre.height;
  const scale: InkScale = {
    std: pre.std?.[0] ?? 1,
    mean: pre.mean?.[0] ?? 0,
    factor: FULL_INK / 255 / pre.scale,
  };
  const measured: ImageMeasured = {
    kind: 'image',
    grid: { width: pre.width, height: pre.height, ink: EMPTY, scale },
  };
  const { grid } = measured;
  const { input: name } = pre;
  return {
    measure(_input, seen) {
      const data = seen?.inputs?.[name]?.data;
      if (pre.channels !== 1 || data?.length !== pixels || typeof data[0] !== 'number') return undefined;
      grid.ink = data as ArrayLike<number>;
      return measured;
    },
    release() {
      grid.ink = EMPTY;
    },
    bytes(_input, seen) {
      // feedBytes inlined: this runs on every run, right after its answer.
      const data = seen?.inputs?.[name]?.data;
      return data === undefined ? 0 : ArrayBuffer.isView(data) ? data.byteLength : data.length * 16;
    },
  };
}

/**
 * The measure of `manifest`'s runs: the tabular values by name, the ink grid of a one-channel
 * image's model input (`seen.inputs`, after preprocessing), or the text with the token ids the
 * model saw (`seen.tokens`; without them the token features of that run are not counted).
 */
export function createInputMeasure(manifest: PublishedManifest): InputMeasure {
  const pre = manifest.preprocessing;
  if (pre.kind === 'image') return imageMeasure(pre);
  const release = () => undefined;
  if (pre.kind === 'tabular') {
    return {
      measure(input, seen) {
        if (isNumberRecord(input)) return { kind: 'tabular', values: input };
        const feed = seen?.inputs?.[pre.input];
        if (!feed || feed.data.length !== pre.features.length) return undefined;
        const values: Record<string, number> = {};
        pre.features.forEach((feature, i) => (values[feature.name] = Number(feed.data[i])));
        return { kind: 'tabular', values };
      },
      release,
      // A record of numbers by name, or the model's input tensor built from it.
      bytes: (_input, seen) => pre.features.length * 16 + feedBytes(seen?.inputs?.[pre.input]),
    };
  }
  return {
    measure(input, seen) {
      const text = textOf(input);
      if (text === undefined) return undefined;
      const tokens = seen?.tokens;
      return tokens ? { kind: 'text', text, tokens } : { kind: 'text', text };
    },
    release,
    bytes(input, seen) {
      // The text as textOf finds it, without the key list it makes: this runs on every run.
      const text =
        typeof input === 'string'
          ? input
          : typeof input === 'object' && input !== null
            ? (input as { text?: unknown }).text
            : undefined;
      return (typeof text === 'string' ? text.length * 2 : 0) + (seen?.tokens?.ids.length ?? 0) * 8;
    },
  };
}
