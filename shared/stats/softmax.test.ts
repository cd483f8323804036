import { describe, expect, it } from 'vitest';
import { softmax } from './softmax.ts';

describe('softmax', () => {
  it('matches the closed form and survives large logits', () => {
    const [a, b] = softmax([0, Math.log(3)]);
    expect(a).toBeCloseTo(0.25, 12);
    expect(b).toBeCloseTo(0.75, 12);
    expect(softmax([1000, 1000])).toEqual([0.5, 0.5]);
  });
});
