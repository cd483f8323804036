/** A source of uniform numbers in [0, 1): `Math.random`-like, seeded in tests. */
export type Uniform = () => number;

/** Uniform numbers from the platform's CSPRNG (53 bits each), so noise cannot be predicted. */
export function cryptoUniform(): Uniform {
  const words = new Uint32Array(64);
  let next = words.length;
  return () => {
    if (next + 2 > words.length) {
      crypto.getRandomValues(words);
      next = 0;
    }
    const high = (words[next++] as number) >>> 5; // 27 bits
    const low = (words[next++] as number) >>> 6; // 26 bits
    return (high * 67_108_864 + low) / 9_007_199_254_740_992;
  };
}

/**
 * A draw of the two-sided geometric (discrete Laplace) distribution, P(k) ∝ α^|k| with
 * α = exp(−ε / sensitivity): the integer form of the Laplace mechanism (Ghosh, Roughgarden &
 * Sundararajan 2009), as the difference of two geometric draws. Mean 0, variance 2α / (1 − α)².
 */
export function discreteLaplace(epsilon: number, sensitivity: number, uniform: Uniform): number {
  const logAlpha = -epsilon / sensitivity;
  // Geometric on {0, 1, …} with P(g) = (1 − α) α^g, by inversion; 1 − u lies in (0, 1].
  const geometric = () => Math.floor(Math.log(1 - uniform()) / logAlpha);
  return geometric() - geometric();
}

/** Variance of {@link discreteLaplace} for these parameters. */
export function discreteLaplaceVariance(epsilon: number, sensitivity: number): number {
  const alpha = Math.exp(-epsilon / sensitivity);
  return (2 * alpha) / (1 - alpha) ** 2;
}

/** `count` plus fresh noise, clamped to [0, `max`]: what a noised batch reports for it. */
export function noisyCount(
  count: number,
  options: { epsilon: number; sensitivity: number; max: number },
  uniform: Uniform,
): number {
  const value = count + discreteLaplace(options.epsilon, options.sensitivity, uniform);
  return Math.min(options.max, Math.max(0, value));
}
