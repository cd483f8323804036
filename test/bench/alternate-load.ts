import autocannon, { type Options, type RawResult } from 'autocannon';

/** What one side of {@link alternateLoads} measured over all its rounds. */
export interface SideResult {
  /** Completed requests per second over the side's own measured time. */
  perSecond: number;
  /** Latency percentiles over every request of every round, in ms. */
  latency: { p50: number; p99: number };
  total: number;
}

/**
 * Loads Ferry and its baseline in alternating rounds (ferry, baseline, baseline, ferry, …), each
 * side `seconds` in all, and merges each side's rounds (autocannon's aggregateResult: exact
 * latency percentiles). On a machine that other work shares, a change of load then falls on both
 * sides alike instead of on whichever ran in that window. Throws if any request failed or was
 * not 2xx. `options` holds everything but `url` and `duration`.
 */
export async function alternateLoads(
  urls: { ferry: string; baseline: string },
  options: Omit<Options, 'url' | 'duration'>,
  plan: { rounds: number; seconds: number },
): Promise<{ ferry: SideResult; baseline: SideResult }> {
  const runs: Record<'ferry' | 'baseline', RawResult[]> = { ferry: [], baseline: [] };
  const duration = plan.seconds / plan.rounds;
  for (let round = 0; round < plan.rounds; round++) {
    const order = round % 2 === 0 ? (['ferry', 'baseline'] as const) : (['baseline', 'ferry'] as const);
    for (const side of order) {
      runs[side].push(await autocannon({ ...options, url: urls[side], duration, skipAggregateResult: true }));
    }
  }
  const summary = (side: 'ferry' | 'baseline'): SideResult => {
    const merged = autocannon.aggregateResult(runs[side], { ...options, url: urls[side] });
    if (merged.errors > 0 || merged.non2xx > 0) {
      throw new Error(
        `${urls[side]}: ${merged.errors} errors, ${merged.non2xx} non-2xx responses under load`,
      );
    }
    const total = runs[side].reduce((sum, run) => sum + run.totalCompletedRequests, 0);
    return { perSecond: total / plan.seconds, latency: merged.latency, total };
  };
  return { ferry: summary('ferry'), baseline: summary('baseline') };
}
