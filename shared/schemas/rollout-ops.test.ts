import { describe, expect, it } from 'vitest';
import { describeIssue } from '../zod-issue.ts';
import { RolloutShareInput, RolloutStartInput, basisPointsOf } from './rollout-ops.ts';

const issue = (input: unknown) => {
  const parsed = RolloutShareInput.safeParse({ model: 'digits', ...(input as object) });
  return parsed.success ? null : describeIssue(parsed.error, 'input');
};

describe('rollout operation inputs', () => {
  it('takes a share as percent with up to two decimals, or as basis points', () => {
    expect(basisPointsOf(RolloutShareInput.parse({ model: 'digits', percent: 5 }))).toBe(500);
    expect(basisPointsOf(RolloutShareInput.parse({ model: 'digits', percent: 0.01 }))).toBe(1);
    expect(basisPointsOf(RolloutShareInput.parse({ model: 'digits', percent: 33.33 }))).toBe(3333);
    expect(basisPointsOf(RolloutShareInput.parse({ model: 'digits', percent: 100 }))).toBe(10_000);
    expect(basisPointsOf(RolloutShareInput.parse({ model: 'digits', basisPoints: 0 }))).toBe(0);
  });

  it('refuses a percentage outside 0–100 or finer than a basis point, naming percent', () => {
    expect(issue({ percent: -0.01 })).toBe('percent: must be between 0 and 100');
    expect(issue({ percent: 100.01 })).toBe('percent: must be between 0 and 100');
    expect(issue({ percent: 1.234 })).toBe('percent: must have at most two decimals');
  });

  it('wants exactly one of percent and basisPoints', () => {
    expect(issue({})).toBe('percent: give either percent (0–100) or basisPoints (0–10000)');
    expect(issue({ percent: 5, basisPoints: 500 })).toBe(
      'percent: give either percent (0–100) or basisPoints (0–10000)',
    );
    expect(issue({ basisPoints: 10_001 })).toMatch(/^basisPoints: /);
  });

  it('defaults targeting to none and refuses more than 32 conditions', () => {
    expect(RolloutStartInput.parse({ model: 'digits', candidate: '1.0.0', percent: 5 }).targeting).toEqual(
      [],
    );
    const many = Array.from({ length: 33 }, () => ({ attribute: 'webgpu', equals: true }));
    expect(
      RolloutStartInput.safeParse({ model: 'digits', candidate: '1.0.0', percent: 5, targeting: many })
        .success,
    ).toBe(false);
  });
});
