import { mulberry32 } from '../../shared/stats/random.ts';
import { median, percentile } from './report.ts';

/** The three clients a balanced comparison takes turns on. */
export type Arm = 'a' | 'b' | 'c';

/**
 * One cycle of blocks: the six orders of three arms, arranged so that, read as a ring, no arm
 * follows itself and each arm follows each other arm equally often (3 times: twice inside the
 * orders, once at their seams), and each arm holds each place in an order twice. So over a cycle
 * (or any rotation of it by whole orders) the arms have the same mean position, which cancels a
 * drift that is linear over the cycle, and the same predecessors, which cancels what one worker
 * leaves the next (a worker still busy after its block, or one that was warm because it just ran).
 * Found by trying the 120 arrangements (6 fit).
 */
export const CYCLE: readonly (readonly Arm[])[] = [
  ['a', 'b', 'c'],
  ['a', 'c', 'b'],
  ['c', 'b', 'a'],
  ['b', 'a', 'c'],
  ['b', 'c', 'a'],
  ['c', 'a', 'b'],
];

/**
 * The blocks of cycle number `n`: CYCLE rotated by `n` whole orders, so that the block after a
 * pause (all workers asleep) falls to each arm alike over six cycles.
 */
export function cycleBlocks(n: number): Arm[] {
  const start = n % CYCLE.length;
  return [...CYCLE.slice(start), ...CYCLE.slice(0, start)].flat();
}

/** The median over sessions of each session's median: the statistic the bootstrap resamples. */
export function medianOfMedians(sessions: readonly (readonly number[])[]): number {
  return median(sessions.map((ratios) => median(ratios)));
}

/**
 * A 95% percentile-bootstrap interval of {@link medianOfMedians}: sessions resampled with
 * replacement, and each drawn session's ratios resampled with replacement (two levels, since
 * both the sessions, fresh workers placed anew by the OS, and the cycles within one vary).
 * Seeded, so the same numbers give the same interval.
 */
export function bootstrapInterval(
  sessions: readonly (readonly number[])[],
  options: { resamples: number; seed: number },
): { low: number; high: number } {
  const random = mulberry32(options.seed);
  const draw = <T>(values: readonly T[]) => values[Math.floor(random() * values.length)] as T;
  const stats: number[] = [];
  for (let r = 0; r < options.resamples; r++) {
    const resampled = sessions.map(() => {
      const ratios = draw(sessions);
      return ratios.map(() => draw(ratios));
    });
    stats.push(medianOfMedians(resampled));
  }
  stats.sort((x, y) => x - y);
  return { low: percentile(stats, 2.5), high: percentile(stats, 97.5) };
}
