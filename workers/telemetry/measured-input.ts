import { FULL_INK, type InkGrid } from '$shared/features/image-features.ts';
import type { MeasuredInput } from '$shared/features/measure.ts';
import type { Tokenized } from '$shared/features/text-features.ts';
import type { PublishedManifest } from '$shared/schemas/manifest.ts';
import { textOf } from '../runtime/inputs.ts';
import type { Feed } from '../runtime/tensor-input.ts';
import type { RunInput } from '../types.ts';

let scratch = new Float64Array(0);

const isNumberRecord = (input: RunInput): input is Record<string, number> =>
  typeof input === 'object' && Object.values(input).every((value) => typeof value === 'number');

/**
 * The ink grid of a one-channel image feed: the preprocessing undone
 * (`raw = (v · std + mean) / scale`, already inverted where the bundle inverts) and put on the
 * 0–16 ink scale of shared/features/image-features.ts, so the same extractors apply whether the
 * page passed an ImageData or the tensor itself.
 */
function inkGridOfFeed(
  feed: Feed,
  pre: Extract<PublishedManifest['preprocessing'], { kind: 'image' }>,
): InkGrid | undefined {
  const pixels = pre.width * pre.height;
  const data = feed.data;
  if (pre.channels !== 1 || data.length !== pixels || typeof data[0] !== 'number') return undefined;
  const std = pre.std?.[0] ?? 1;
  const mean = pre.mean?.[0] ?? 0;
  const factor = FULL_INK / 255 / pre.scale;
  // The grid lives only while the extractors read it, so one buffer per size serves every run.
  if (scratch.length !== pixels) scratch = new Float64Array(pixels);
  const ink = scratch;
  const values = data as ArrayLike<number>;
  for (let i = 0; i < pixels; i++) ink[i] = ((values[i] as number) * std + mean) * factor;
  return { width: pre.width, height: pre.height, ink };
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
 * its features not).
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
    const grid = feed && inkGridOfFeed(feed, pre);
    return grid && { kind: 'image', grid };
  }
  const text = textOf(input);
  if (text === undefined) return undefined;
  return tokens ? { kind: 'text', text, tokens } : { kind: 'text', text };
}
