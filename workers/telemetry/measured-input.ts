import { FULL_INK } from '$shared/features/image-features.ts';
import type { MeasuredInput } from '$shared/features/measure.ts';
import type { Tokenized } from '$shared/features/text-features.ts';
import type { PublishedManifest } from '$shared/schemas/manifest.ts';
import { textOf } from '../runtime/inputs.ts';
import type { Feed } from '../runtime/tensor-input.ts';
import type { RunInput } from '../types.ts';

/** An image input as measured: its ink grid lives only while the extractors read it. */
type ImageMeasured = Extract<MeasuredInput, { kind: 'image' }> & { grid: { ink: Float64Array } };

// One per grid size serves every run: a run's measurement is done before the next run's starts.
let scratch: ImageMeasured | undefined;

function isNumberRecord(input: RunInput): input is Record<string, number> {
  if (typeof input !== 'object') return false;
  for (const key in input) if (typeof (input as Record<string, unknown>)[key] !== 'number') return false;
  return true;
}

/**
 * The ink grid of a one-channel image feed: the preprocessing undone
 * (`raw = (v · std + mean) / scale`, already inverted where the bundle inverts) and put on the
 * 0–16 ink scale of shared/features/image-features.ts, so the same extractors apply whether the
 * page passed an ImageData or the tensor itself.
 */
function inkGridOfFeed(
  feed: Feed,
  pre: Extract<PublishedManifest['preprocessing'], { kind: 'image' }>,
): ImageMeasured | undefined {
  const pixels = pre.width * pre.height;
  const data = feed.data;
  if (pre.channels !== 1 || data.length !== pixels || typeof data[0] !== 'number') return undefined;
  const std = pre.std?.[0] ?? 1;
  const mean = pre.mean?.[0] ?? 0;
  const factor = FULL_INK / 255 / pre.scale;
  if (scratch?.grid.width !== pre.width || scratch.grid.height !== pre.height) {
    scratch = {
      kind: 'image',
      grid: { width: pre.width, height: pre.height, ink: new Float64Array(pixels) },
    };
  }
  const { ink } = scratch.grid;
  const values = data as ArrayLike<number>;
  for (let i = 0; i < pixels; i++) ink[i] = ((values[i] as number) * std + mean) * factor;
  return scratch;
}

/** What the engine saw of one run's input (its EngineResult's `inputs` and `tokens`). */
export interface EngineView {
  /** The model's input tensors after preprocessing. */
  readonly inputs?: Readonly<Record<string, Feed>>;
  /** A text input's token ids, from the engine's tokenizer. */
  readonly tokens?: Tokenized;
}

/**
 * What the reference features of `manifest` are measured on for one run: the tabular values by
 * name, the ink grid of a one-channel image's model input (`seen.inputs`, after preprocessing),
 * or the text with the token ids the model saw (`seen.tokens`; without them the token features of
 * that run are not counted). Undefined when the input gives none of these (the run still counts,
 * its features not). An image's measured input is the same object from call to call, refilled:
 * read it before measuring the next run.
 */
export function measuredInput(
  manifest: PublishedManifest,
  input: RunInput,
  seen: EngineView | undefined,
): MeasuredInput | undefined {
  const pre = manifest.preprocessing;
  const feeds = seen?.inputs;
  const tokens = seen?.tokens;
  if (pre.kind === 'tabular') {
    if (isNumberRecord(input)) return { kind: 'tabular', values: input };
    const feed = feeds?.[pre.input];
    if (!feed || feed.data.length !== pre.features.length) return undefined;
    const values: Record<string, number> = {};
    pre.features.forEach((feature, i) => (values[feature.name] = Number(feed.data[i])));
    return { kind: 'tabular', values };
  }
  if (pre.kind === 'image') {
    const feed = feeds?.[pre.input];
    return feed && inkGridOfFeed(feed, pre);
  }
  const text = textOf(input);
  if (text === undefined) return undefined;
  return tokens ? { kind: 'text', text, tokens } : { kind: 'text', text };
}

/** Bytes of a feed's values: a typed array's own, about 16 per string. */
function feedBytes(feed: Feed | undefined): number {
  if (!feed) return 0;
  const { data } = feed;
  return ArrayBuffer.isView(data) ? data.byteLength : data.length * 16;
}

/**
 * About how many bytes {@link measuredInput} reads of one run (the feed it measures, the tabular
 * values, the text and its token ids): what holding the run's input until it is measured keeps
 * alive. Reads no more of the input than measuring does, and less: it is counted on every run.
 */
export function measuredBytes(
  manifest: PublishedManifest,
  input: RunInput,
  seen: EngineView | undefined,
): number {
  const pre = manifest.preprocessing;
  if (pre.kind === 'image') return feedBytes(seen?.inputs?.[pre.input]);
  // A record of numbers by name, or the model's input tensor built from it.
  if (pre.kind === 'tabular') return pre.features.length * 16 + feedBytes(seen?.inputs?.[pre.input]);
  // The text as textOf finds it, without the key list it makes: this runs on every run.
  const text =
    typeof input === 'string'
      ? input
      : typeof input === 'object' && input !== null
        ? (input as { text?: unknown }).text
        : undefined;
  return (typeof text === 'string' ? text.length * 2 : 0) + (seen?.tokens?.ids.length ?? 0) * 8;
}
