import { describe, expect, it } from 'vitest';
import type { PublishedManifest } from '$shared/schemas/manifest.ts';
import { softmax } from '$shared/stats/softmax.ts';
import { scoresFrom, sortByScore } from './postprocess.ts';

const manifest = (post: PublishedManifest['postprocessing'], labels?: string[]) =>
  ({
    name: 'm',
    signature: { inputs: [], outputs: [{ name: 'logits', type: 'float32', shape: ['batch', 3] }] },
    postprocessing: post,
    labels,
  }) as unknown as PublishedManifest;

const logits = { logits: { type: 'float32' as const, dims: [1, 3], data: new Float32Array([1, 3, 2]) } };

describe('scoresFrom', () => {
  it('labels softmax scores and sorts them highest first, cut to topK', () => {
    const scores = scoresFrom(manifest({ kind: 'softmax', topK: 2 }, ['a', 'b', 'c']), logits);
    expect(scores?.map((s) => [s.label, s.index])).toEqual([
      ['b', 1],
      ['c', 2],
    ]);
    expect(scores?.[0]?.score).toBeCloseTo(Math.exp(3) / (Math.exp(1) + Math.exp(2) + Math.exp(3)), 6);
  });

  it('scores softmax exactly as shared/stats/softmax.ts does', () => {
    const data = new Float32Array([0.3, -2, 7.5, 1e-3, 4]);
    const scores = scoresFrom(manifest({ kind: 'softmax' }), {
      logits: { type: 'float32', dims: [1, 5], data },
    });
    const expected = softmax(data);
    expect(scores?.map((s) => s.index)).toEqual([2, 4, 0, 3, 1]);
    expect(scores?.map((s) => s.score)).toEqual([2, 4, 0, 3, 1].map((i) => expected[i]));
  });

  it('uses the fallback labels, then indices', () => {
    expect(scoresFrom(manifest({ kind: 'probabilities' }), logits, ['x', 'y', 'z'])?.[0]?.label).toBe('y');
    expect(scoresFrom(manifest({ kind: 'probabilities' }), logits)?.[0]?.label).toBe('1');
  });

  it('turns one sigmoid logit of a two-label model into both labels', () => {
    const one = { logits: { type: 'float32' as const, dims: [1, 1], data: new Float32Array([0]) } };
    const scores = scoresFrom(manifest({ kind: 'sigmoid' }, ['benign', 'malignant']), one);
    expect(scores?.map((s) => s.score)).toEqual([0.5, 0.5]);
  });

  it('gives no scores for other postprocessing', () => {
    expect(scoresFrom(manifest({ kind: 'none' }), logits)).toBeUndefined();
  });
});

describe('sortByScore', () => {
  it('orders scores as the stable Array.prototype.sort does, ties in their order, short lists and long', () => {
    for (const length of [0, 1, 2, 10, 32, 33, 200]) {
      // Few distinct values, so that ties are common.
      const scores = Array.from({ length }, (_, index) => ({
        label: String(index),
        index,
        score: ((index * 7919) % 13) / 13,
      }));
      const expected = [...scores].sort((a, b) => b.score - a.score);
      sortByScore(scores);
      expect(scores, `${length} scores`).toEqual(expected);
    }
  });
});
