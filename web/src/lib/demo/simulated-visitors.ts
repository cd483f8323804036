import type { ReferenceProfile, TabularFeature } from '$shared';

/** Index drawn with chances proportional to `weights` (`random` uniform in [0, 1)). */
function pick(weights: readonly number[], random: () => number): number {
  let left = random() * weights.reduce((a, b) => a + b, 0);
  for (let i = 0; i < weights.length; i++) {
    left -= weights[i] as number;
    if (left < 0) return i;
  }
  return weights.length - 1;
}

/**
 * `count` tabular inputs drawn like the version's reference profile (per feature a bin chosen by
 * the reference counts, a value uniform in it), each moved by how far the page's sliders sit from
 * their defaults: leave the sliders alone and the telemetry matches the reference; move two and
 * `ferry drift <model>` flags those two.
 */
export function simulatedVisitors(
  features: readonly TabularFeature[],
  reference: ReferenceProfile,
  options: { sliders: Readonly<Record<string, number>>; count: number; random?: () => number },
): Record<string, number>[] {
  const random = options.random ?? Math.random;
  const profiles = new Map(reference.features.map((f) => [f.name, f]));
  return Array.from({ length: options.count }, () =>
    Object.fromEntries(
      features.map((feature) => {
        const profile = profiles.get(feature.name);
        const moved = (options.sliders[feature.name] ?? feature.default) - feature.default;
        if (profile?.kind !== 'numeric') return [feature.name, feature.default + moved];
        const bin = pick(profile.counts, random);
        const low = profile.edges[bin] as number;
        const high = profile.edges[bin + 1] as number;
        return [feature.name, low + random() * (high - low) + moved];
      }),
    ),
  );
}
