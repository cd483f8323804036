import type { FeatureMeasure, TextExtractor } from '../schemas/reference-profile.ts';

// Python's str.split() separators (str.isspace()), which models/debian-sections/profile.py uses.
// JavaScript's \s differs: it lacks U+001C–U+001F and U+0085 and adds U+FEFF.
// eslint-disable-next-line no-control-regex -- U+001C–U+001F are separators to Python, on purpose
const PYTHON_WHITESPACE = /[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/u;

/** Characters as Unicode code points (Python's `len(text)`), not UTF-16 code units. */
export function characterCount(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}

/** Words as Python's `len(text.split())` counts them: runs of non-whitespace. */
export function wordCount(text: string): number {
  return text.split(PYTHON_WHITESPACE).filter((word) => word.length > 0).length;
}

/** The tokenizer's output for one input, and the ids that mark special tokens. */
export interface Tokenized {
  /** Token ids as fed to the model (after truncation to the bundle's `maxLength`). */
  readonly ids: ArrayLike<number>;
  /** Id of the unknown token (`[UNK]`); -1 for a tokenizer without one. */
  readonly unkId: number;
  /** Ids of tokens the tokenizer adds itself (`[CLS]`, `[SEP]`, `[PAD]`): never counted. */
  readonly specialIds: ReadonlySet<number>;
}

/** The text extractors that read the tokenizer's ids, not the text alone. */
export const TOKEN_EXTRACTORS: ReadonlySet<TextExtractor> = new Set<TextExtractor>([
  'tokens',
  'unknown_token_rate',
]);

/** Whether `measure` is a token extractor (the runtime then needs the ids the model sees). */
export function isTokenMeasure(measure: FeatureMeasure | undefined): boolean {
  return measure?.kind === 'text' && TOKEN_EXTRACTORS.has(measure.extractor);
}

/** Whether any of `features` is measured by a token extractor. */
export function measuresTokens(
  features: readonly { readonly measure?: FeatureMeasure }[] | undefined,
): boolean {
  return features?.some((feature) => isTokenMeasure(feature.measure)) ?? false;
}

/** Tokens of the input, special tokens excluded (`[UNK]` stands for input, so it counts even when listed). */
export function tokenCount(tokens: Tokenized): number {
  let count = 0;
  for (let i = 0; i < tokens.ids.length; i++) {
    const id = tokens.ids[i] as number;
    if (id === tokens.unkId || !tokens.specialIds.has(id)) count++;
  }
  return count;
}

/** Share of the input's tokens (special ones excluded) that are unknown; 0 for an empty input. */
export function unknownTokenRate(tokens: Tokenized): number {
  let unknown = 0;
  for (let i = 0; i < tokens.ids.length; i++) if (tokens.ids[i] === tokens.unkId) unknown++;
  const count = tokenCount(tokens);
  return count === 0 ? 0 : unknown / count;
}

/** Every text extractor of the wire format; the token ones only when `tokens` is given. */
export function textFeatures(text: string, tokens?: Tokenized): Partial<Record<TextExtractor, number>> {
  const features: Partial<Record<TextExtractor, number>> = {
    characters: characterCount(text),
    words: wordCount(text),
  };
  if (tokens) {
    features.tokens = tokenCount(tokens);
    features.unknown_token_rate = unknownTokenRate(tokens);
  }
  return features;
}
