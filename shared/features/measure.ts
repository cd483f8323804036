import type { FeatureMeasure } from '../schemas/reference-profile.ts';
import { emptyImageFeatures, imageFeaturesInto, type InkGrid } from './image-features.ts';
import { textFeatures, type Tokenized } from './text-features.ts';

/** One raw input, in the form each kind of measure reads. */
export type MeasuredInput =
  | { readonly kind: 'tabular'; readonly values: Readonly<Record<string, number>> }
  | { readonly kind: 'image'; readonly grid: InkGrid }
  | { readonly kind: 'text'; readonly text: string; readonly tokens?: Tokenized };

// The image extractors' values of the input being measured; reused, as measuring one input
// finishes before the next starts.
const image = emptyImageFeatures();

/**
 * Writes the value of each measured feature on one input into `out`, in `measures`' order: NaN
 * where a feature has no measure, the input is of another kind, or the value is not finite (so it
 * is not counted). Each extractor runs at most once per input, and tabular and image inputs
 * allocate nothing: the worker measures every run.
 */
export function measureFeaturesInto(
  measures: readonly (FeatureMeasure | undefined)[],
  input: MeasuredInput,
  out: Float64Array,
): Float64Array {
  let imageDone = false;
  let text: ReturnType<typeof textFeatures> | undefined;
  for (let i = 0; i < measures.length; i++) {
    const measure = measures[i];
    let value: number | undefined;
    if (measure?.kind === 'column' && input.kind === 'tabular') value = input.values[measure.column];
    else if (measure?.kind === 'image' && input.kind === 'image') {
      if (!imageDone) imageFeaturesInto(input.grid, image);
      imageDone = true;
      value = image[measure.extractor];
    } else if (measure?.kind === 'text' && input.kind === 'text') {
      text ??= textFeatures(input.text, input.tokens);
      value = text[measure.extractor];
    }
    out[i] = value !== undefined && Number.isFinite(value) ? value : Number.NaN;
  }
  return out;
}

/**
 * The value of each measured feature on one input, in `measures`' order: undefined where
 * {@link measureFeaturesInto} gives NaN.
 */
export function measureFeatures(
  measures: readonly (FeatureMeasure | undefined)[],
  input: MeasuredInput,
): (number | undefined)[] {
  const values = measureFeaturesInto(measures, input, new Float64Array(measures.length));
  return Array.from(values, (value) => (Number.isNaN(value) ? undefined : value));
}
