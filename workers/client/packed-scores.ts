import type { Score } from '../types.ts';

/**
 * Label scores as run() replies carry them: one array of (index, score) pairs, highest first,
 * with the labels sent once per model and channel instead of in every reply. Ten score objects
 * with their label strings cost a structured clone about three times what the rest of digits'
 * reply does, paid on both threads, the page's main thread included. A plain array rather than a
 * Float64Array: a small typed array costs an ArrayBuffer on each side (made, transferred or
 * copied, then swept by the GC), and the worker can refill one array for every reply.
 */
export interface PackedScores {
  pairs: number[];
  /** Set when the model's labels changed since the last reply on this channel (first reply, new version). */
  labels?: string[];
}

/**
 * Packs `scores` for a channel that last sent `known` as this model's labels; `labels` comes
 * back set (a new array) when a score's label differs from what `known` holds at its index.
 * `pairs` is `reuse` refilled when given (a reply is cloned when posted: the next one may refill it).
 */
export function packScores(
  scores: readonly Score[],
  known: readonly string[] | undefined,
  reuse: number[] = [],
): PackedScores {
  const pairs = reuse;
  // Emptied and pushed, never sized ahead: a holey array is cloned element by element as a sparse one.
  pairs.length = 0;
  let labels: string[] | undefined;
  for (let i = 0; i < scores.length; i++) {
    const { label, index, score } = scores[i] as Score;
    pairs.push(index, score);
    if ((labels ?? known)?.[index] !== label) (labels ??= known ? [...known] : [])[index] = label;
  }
  return labels ? { pairs, labels } : { pairs };
}

/** The scores `pairs` stands for, labelled from `labels` (what the channel last received for the model). */
export function unpackScores(pairs: readonly number[], labels: readonly string[]): Score[] {
  const scores = new Array<Score>(pairs.length / 2);
  for (let i = 0; i < scores.length; i++) {
    const index = pairs[2 * i] as number;
    scores[i] = { label: labels[index] as string, index, score: pairs[2 * i + 1] as number };
  }
  return scores;
}
