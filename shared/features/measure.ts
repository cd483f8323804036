import type { FeatureMeasure } from '../schemas/reference-profile.ts';
import { imageFeatures, type InkGrid } from './image-features.ts';
import { textFeatures, type Tokenized } from './text-features.ts';

/** One raw input, in the form each kind of measure reads. */
export type MeasuredInput =
  | { readonly kind: 'tabular'; readonly values: Readonly<Record<string, number>> }
  | { readonly kind: 'image'; readonly grid: InkGrid }
  | { readonly kind: 'text'; readonly text: string; readonly tokens?: Tokenized };

/**
 * The value of each measured feature on one input, in `measures`' order: undefined where a
 * feature has no measure, the input is of another kind, or the value is not finite (so it is
 * not counted). Each extractor runs at most once per input.
 */
export function measureFeatures(
  measures: readonly (FeatureMeasure | undefined)[],
  input: MeasuredInput,
): (number | undefined)[] {
  let image: ReturnType<typeof imageFeatures> | undefined;
  let text: ReturnType<typeof textFeatures> | undefined;
  return measures.map((measure) => {
    let value: number | undefined;
    if (measure?.kind === 'column' && input.kind === 'tabular') value = input.values[measure.column];
    else if (measure?.kind === 'image' && input.kind === 'image') {
      image ??= imageFeatures(input.grid);
      value = image[measure.extractor];
    } else if (measure?.kind === 'text' && input.kind === 'text') {
      text ??= textFeatures(input.text, input.tokens);
      value = text[measure.extractor];
    }
    return value !== undefined && Number.isFinite(value) ? value : undefined;
  });
}
