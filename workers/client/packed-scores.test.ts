import { describe, expect, it } from 'vitest';
import type { Score } from '../types.ts';
import { packScores, unpackScores } from './packed-scores.ts';

const scores: Score[] = [
  { label: 'seven', index: 7, score: 0.9 },
  { label: 'one', index: 1, score: 0.07 },
  { label: 'zero', index: 0, score: 1 / 3 },
];

describe('packScores / unpackScores', () => {
  it('round-trips scores exactly, in their order, sending the labels only when they change', () => {
    const first = packScores(scores, undefined);
    expect(Array.from(first.pairs)).toEqual([7, 0.9, 1, 0.07, 0, 1 / 3]);
    expect(first.labels).toBeDefined();
    expect(unpackScores(first.pairs, first.labels!)).toEqual(scores);

    const again = packScores(scores.slice(0, 2), first.labels);
    expect(again.labels, 'every label as last sent').toBeUndefined();
    expect(unpackScores(again.pairs, first.labels!)).toEqual(scores.slice(0, 2));
  });

  it('sends a new table when a label differs at its index, keeping the others', () => {
    const known = packScores(scores, undefined).labels!;
    const renamed = packScores([{ label: 'SEVEN', index: 7, score: 0.5 }], known);
    expect(renamed.labels?.[7]).toBe('SEVEN');
    expect(renamed.labels?.[1]).toBe('one');
    expect(known[7], 'the table last sent is left as it was').toBe('seven');
  });

  it('packs no scores as an empty array', () => {
    const { pairs } = packScores([], undefined);
    expect(unpackScores(pairs, [])).toEqual([]);
  });
});
