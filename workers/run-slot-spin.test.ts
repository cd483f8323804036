import { describe, expect, it } from 'vitest';
import { createSpinPolicy } from './run-slot-spin.ts';

describe('createSpinPolicy', () => {
  it('does not poll before requests come soon after a release', () => {
    const spin = createSpinPolicy(0.1);
    expect(spin.deadline(0)).toBe(-1);
    // The first request: nothing was released before it.
    spin.requested(50, 0);
    expect(spin.deadline(50.2)).toBe(-1);
    // A request long after the release before it.
    spin.requested(60, 50.2);
    expect(spin.deadline(60.3)).toBe(-1);
  });

  it('polls until the release time plus the budget once a request came soon after a release', () => {
    const spin = createSpinPolicy(0.1);
    spin.requested(10, 0);
    spin.requested(10.55, 10.4); // the worker slept: within twice the budget, its wake-up counted in
    expect(spin.deadline(10.7)).toBeCloseTo(10.8, 10);
  });

  it('stops after a poll that ran out, and starts again when requests come quickly', () => {
    const spin = createSpinPolicy(0.1);
    spin.requested(0.15, 0.05);
    spin.requested(1.05, 1); // caught by the poll
    expect(spin.deadline(2)).toBeCloseTo(2.1, 10);
    spin.requested(2.15, 2); // later than the poll lasted: it ran out
    expect(spin.deadline(3)).toBe(-1);
    spin.requested(3.15, 3); // the worker slept; its wake-up is in the gap
    expect(spin.deadline(4)).toBeCloseTo(4.1, 10);
  });

  it('never polls without a release', () => {
    const spin = createSpinPolicy(0.1);
    spin.requested(1.05, 1);
    expect(spin.deadline(0)).toBe(-1);
  });
});
