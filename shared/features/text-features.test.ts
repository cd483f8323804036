import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  characterCount,
  isTokenMeasure,
  measuresTokens,
  textFeatures,
  tokenCount,
  unknownTokenRate,
  wordCount,
} from './text-features.ts';

const root = path.resolve(import.meta.dirname, '..', '..');
interface Values {
  text_chars: number[];
  text_words: number[];
  text_tokens: number[];
  text_unknown_rate: number[];
}
/** Per-text values from models/debian-sections/reference.py (test/fixtures/features/make-reference-values.py). */
const reference = (
  JSON.parse(readFileSync(path.join(root, 'test/fixtures/features/reference-values.json'), 'utf8')) as {
    'debian-sections': { heldout: Values; extra: Values & { texts: string[]; input_ids: number[][] } };
  }
)['debian-sections'];
const rows = gunzipSync(readFileSync(path.join(root, 'models/debian-sections/heldout.jsonl.gz')))
  .toString('utf8')
  .trim()
  .split('\n')
  .map((line) => JSON.parse(line) as { text: string; input_ids: number[] });
const heldout = rows.map((row) => row.text);

/** The bundle's unknown and special token ids, from its tokenizer.json as transformers.js reads them. */
function tokenizerIds(): { unkId: number; specialIds: Set<number> } {
  const file = path.join(root, 'models/debian-sections/tokenizer.json');
  const tokenizer = JSON.parse(readFileSync(file, 'utf8')) as {
    added_tokens: { id: number; content: string; special: boolean }[];
  };
  const special = tokenizer.added_tokens.filter((t) => t.special);
  const unkId = special.find((t) => t.content === '[UNK]')?.id;
  if (unkId === undefined) throw new Error(`${file}: no [UNK] token`);
  return { unkId, specialIds: new Set(special.map((t) => t.id)) };
}

describe('characterCount and wordCount', () => {
  it('match the debian-sections training code on all 2,705 held-out descriptions', () => {
    expect(heldout).toHaveLength(2705);
    expect(heldout.map(characterCount)).toEqual(reference.heldout.text_chars);
    expect(heldout.map(wordCount)).toEqual(reference.heldout.text_words);
  });

  it('match Python on odd whitespace, astral code points, a lone surrogate and empty text', () => {
    const { texts } = reference.extra;
    expect(texts.length).toBeGreaterThan(10);
    expect(texts.map(characterCount)).toEqual(reference.extra.text_chars);
    expect(texts.map(wordCount)).toEqual(reference.extra.text_words);
  });

  it('count code points, not UTF-16 units, and split on U+001C and U+0085 but not U+FEFF', () => {
    expect(characterCount('🎉a')).toBe(2);
    expect(wordCount('a\x1cb\x85c d\ufeffe')).toBe(4);
  });
});

describe('tokenCount and unknownTokenRate', () => {
  it('match the debian-sections training code on the ids of all 2,705 held-out descriptions and the edge cases', () => {
    const ids = tokenizerIds();
    const measure = (all: number[][]) => ({
      tokens: all.map((list) => tokenCount({ ...ids, ids: list })),
      unknown: all.map((list) => unknownTokenRate({ ...ids, ids: list })),
    });
    const held = measure(rows.map((row) => row.input_ids));
    expect(held.tokens).toEqual(reference.heldout.text_tokens);
    // The same IEEE division on both sides: equal, and so within 1e-9.
    expect(held.unknown).toEqual(reference.heldout.text_unknown_rate);
    const extra = measure(reference.extra.input_ids);
    expect(extra.tokens).toEqual(reference.extra.text_tokens);
    expect(extra.unknown).toEqual(reference.extra.text_unknown_rate);
    expect(extra.unknown.some((rate) => rate > 0)).toBe(true);
  });

  const tokens = { unkId: 1, specialIds: new Set([0, 1, 2, 3]) };

  it('count the input’s tokens without [CLS], [SEP] and padding, and the unknown share of them', () => {
    const ids = [2, 2555, 1, 1, 185, 3, 0, 0];
    expect(tokenCount({ ...tokens, ids })).toBe(4);
    expect(unknownTokenRate({ ...tokens, ids })).toBe(0.5);
    expect(textFeatures('x y', { ...tokens, ids })).toEqual({
      characters: 3,
      words: 2,
      tokens: 4,
      unknown_token_rate: 0.5,
    });
  });

  it('give an empty input 0 tokens and an unknown rate of 0, and omit both without a tokenizer', () => {
    expect(tokenCount({ ...tokens, ids: [2, 3] })).toBe(0);
    expect(unknownTokenRate({ ...tokens, ids: [2, 3] })).toBe(0);
    expect(textFeatures('')).toEqual({ characters: 0, words: 0 });
  });
});

describe('isTokenMeasure and measuresTokens', () => {
  it('single out the tokens and unknown_token_rate extractors, which need the tokenizer’s ids', () => {
    expect(isTokenMeasure({ kind: 'text', extractor: 'tokens' })).toBe(true);
    expect(isTokenMeasure({ kind: 'text', extractor: 'unknown_token_rate' })).toBe(true);
    expect(isTokenMeasure({ kind: 'text', extractor: 'words' })).toBe(false);
    expect(isTokenMeasure({ kind: 'column', column: 'tokens' })).toBe(false);
    expect(isTokenMeasure(undefined)).toBe(false);
    expect(measuresTokens([{}, { measure: { kind: 'text', extractor: 'characters' } }])).toBe(false);
    expect(measuresTokens([{}, { measure: { kind: 'text', extractor: 'unknown_token_rate' } }])).toBe(true);
    expect(measuresTokens(undefined)).toBe(false);
  });
});
