import { describe, expect, it } from 'vitest';
import { createRateLimiter } from './rate-limit.ts';

function limiter(perMinute: number, burst: number) {
  let now = 0;
  const limit = createRateLimiter({ perMinute, burst }, () => now);
  return { limit, advance: (ms: number) => void (now += ms) };
}

describe('createRateLimiter', () => {
  it('allows a burst, then refuses with the whole seconds until the next token', () => {
    const { limit } = limiter(60, 3);
    expect([1, 2, 3].map(() => limit.take('a').allowed)).toEqual([true, true, true]);
    expect(limit.take('a')).toEqual({ allowed: false, retryAfterSeconds: 1 });
    const slow = limiter(2, 1).limit;
    slow.take('a');
    expect(slow.take('a')).toEqual({ allowed: false, retryAfterSeconds: 30 });
  });

  it('refills at the configured rate and never above the burst', () => {
    const { limit, advance } = limiter(60, 2);
    limit.take('a');
    limit.take('a');
    advance(1000);
    expect(limit.take('a').allowed).toBe(true);
    expect(limit.take('a').allowed).toBe(false);
    advance(3_600_000);
    expect([1, 2, 3].map(() => limit.take('a').allowed)).toEqual([true, true, false]);
  });

  it('keeps one bucket per key', () => {
    const { limit } = limiter(60, 1);
    expect(limit.take('a').allowed).toBe(true);
    expect(limit.take('a').allowed).toBe(false);
    expect(limit.take('b').allowed).toBe(true);
  });

  it('allows everything when the rate is 0', () => {
    const { limit } = limiter(0, 1);
    expect(Array.from({ length: 100 }, () => limit.take('a').allowed).every(Boolean)).toBe(true);
  });

  it('forgets refilled buckets once many addresses are tracked, and still limits the busy one', () => {
    const { limit, advance } = limiter(60, 1);
    limit.take('busy');
    for (let i = 0; i < 10_000; i++) limit.take(`idle-${i}`);
    advance(500);
    expect(limit.take('busy').allowed).toBe(false);
    advance(60_000);
    expect(limit.take('new').allowed).toBe(true);
  });
});
