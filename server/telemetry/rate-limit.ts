/** The verdict of {@link RateLimiter.take}. */
export type RateVerdict = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/** Token buckets per key (a client address). */
export interface RateLimiter {
  /** Takes one token from `key`'s bucket, or says how many whole seconds until one is there. */
  take(key: string): RateVerdict;
}

// Past this many tracked keys, buckets that have refilled completely are dropped: they hold no
// state a fresh bucket would not. Bounds memory under traffic from many addresses.
const SWEEP_AT = 10_000;

/**
 * A token bucket per key: `burst` tokens at most, refilled at `perMinute` per minute. With
 * `perMinute` 0 every request is allowed (no limit).
 */
export function createRateLimiter(
  options: { perMinute: number; burst: number },
  now: () => number = () => performance.now(),
): RateLimiter {
  const { perMinute, burst } = options;
  const perMs = perMinute / 60_000;
  const buckets = new Map<string, { tokens: number; at: number }>();
  const level = (bucket: { tokens: number; at: number }, t: number) =>
    Math.min(burst, bucket.tokens + (t - bucket.at) * perMs);
  const sweep = (t: number) => {
    for (const [key, bucket] of buckets) if (level(bucket, t) >= burst) buckets.delete(key);
  };
  return {
    take(key) {
      if (perMinute <= 0) return { allowed: true };
      const t = now();
      if (buckets.size >= SWEEP_AT) sweep(t);
      const bucket = buckets.get(key) ?? { tokens: burst, at: t };
      bucket.tokens = level(bucket, t);
      bucket.at = t;
      buckets.set(key, bucket);
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return { allowed: true };
      }
      return {
        allowed: false,
        retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / perMs / 1000)),
      };
    },
  };
}
