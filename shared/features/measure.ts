import type { FeatureMeasure } from '../schemas/reference-profile.ts';
import { IMAGE_VALUE_INDEX, imageFeatureValuesInto, type InkGrid } from './image-features.ts';
import { textFeatures, type Tokenized } from './text-features.ts';

/** One raw input, in the form each kind of measure reads. */
export type MeasuredInput =
  | { readonly kind: 'tabular'; readonly values: Readonly<Record<string, number>> }
  | { readonly kind: 'image'; readonly grid: InkGrid }
  | { readonly kind: 'text'; readonly text: string; readonly tokens?: Tokenized };

/**
 * Writes the value of each of a profile's measured features on one input into `out`, in the
 * measures' order: NaN where a feature has no measure, the input is of another kind, or the value
 * is not finite (so it is not counted).
 */
export type FeatureMeasurer = (input: MeasuredInput, out: Float64Array) => Float64Array;

/**
 * The measurer of `measures`, set up once per profile: each extractor runs at most once per input,
 * image values are read by index, and tabular and image inputs allocate nothing, since the worker
 * measures every run.
 */
export function createFeatureMeasurer(measures: readonly (FeatureMeasure | undefined)[]): FeatureMeasurer {
  const count = measures.length;
  // Per measure, its image value's index, or -1.
  const imageIndex = Int8Array.from(measures, (m) =>
    m?.kind === 'image' ? IMAGE_VALUE_INDEX[m.extractor] : -1,
  );
  const measuresImage = imageIndex.some((index) => index >= 0);
  // The image extractors' values of the input being measured, reused from run to run.
  const image = new Float64Array(Object.keys(IMAGE_VALUE_INDEX).length);
  return (input, out) => {
    if (input.kind === 'image') {
      if (measuresImage) imageFeatureValuesInto(input.grid, image);
      for (let i = 0; i < count; i++) {
        const value = imageIndex[i]! >= 0 ? (image[imageIndex[i]!] as number) : Number.NaN;
        // `v - v` is 0 for a finite `v` only: no call per value.
        out[i] = value - value === 0 ? value : Number.NaN;
      }
      return out;
    }
    let text: ReturnType<typeof textFeatures> | undefined;
    for (let i = 0; i < count; i++) {
      const measure = measures[i];
      let value: number | undefined;
      if (measure?.kind === 'column' && input.kind === 'tabular') value = input.values[measure.column];
      else if (measure?.kind === 'text' && input.kind === 'text') {
        text ??= textFeatures(input.text, input.tokens);
        value = text[measure.extractor];
      }
      out[i] = value !== undefined && value - value === 0 ? value : Number.NaN;
    }
    return out;
  };
}

/**
 * The value of each measured feature on one input, in `measures`' order: undefined where the
 * measurer gives NaN.
 */
export function measureFeatures(
  measures: readonly (FeatureMeasure | undefined)[],
  input: MeasuredInput,
): (number | undefined)[] {
  const values = createFeatureMeasurer(measures)(input, new Float64Array(measures.length));
  return Array.from(values, (value) => (Number.isNaN(value) ? undefined : value));
}
