import autocannon, { type Options, type RawResult } from 'autocannon';

/** What one side of {@link alternateLoads} measured over all its rounds. */
export interface SideResult {
  /** Completed requests per second over the side's own measured time. */
  perSecond: number;
  /** Latency percentiles over every request of every round, in ms. */
  latency: { p50: number; p99: number };
  total: number;
}

/** Each side's autocannon rounds, as {@link loadRounds} collects them. */
export type Rounds = Record<'ferry' | 'baseline', RawResult[]>;

/**
 * Loads Ferry and its baseline in alternating rounds (ferry, baseline, baseline, ferry, …), each
 * side `seconds` in all, and adds each round's result to `plan.into` (fresh if not given). On a
 * machine that other work shares, a change of load then falls on both sides alike instead of on
 * whichever ran in that window. `options` holds everything but `url` and `duration`.
 */
export async function loadRounds(
  urls: { ferry: string; baseline: string },
  options: Omit<Options, 'url' | 'duration'>,
  plan: { rounds: number; seconds: number; into?: Rounds },
): Promise<Rounds> {
  const into = plan.into ?? { ferry: [], baseline: [] };
  const duration = plan.seconds / plan.rounds;
  for (let round = 0; round < plan.rounds; round++) {
    const order = round % 2 === 0 ? (['ferry', 'baseline'] as const) : (['baseline', 'ferry'] as const);
    for (const side of order) {
      into[side].push(await autocannon({ ...options, url: urls[side], duration, skipAggregateResult: true }));
    }
  }
  return into;
}

/**
 * Merges each side's rounds (autocannon's aggregateResult: exact latency percentiles) over
 * `seconds` of each side's measured time, whichever servers they went to (`urls` name the sides
 * in errors). Throws if any request failed or was not 2xx.
 */
export function summarizeRounds(
  runs: Rounds,
  options: Omit<Options, 'url' | 'duration'>,
  { urls, seconds }: { urls: { ferry: string; baseline: string }; seconds: number },
): { ferry: SideResult; baseline: SideResult } {
  const summary = (side: 'ferry' | 'baseline'): SideResult => {
    const url = urls[side];
    const merged = autocannon.aggregateResult(runs[side], { ...options, url });
    if (merged.errors > 0 || merged.non2xx > 0) {
      throw new Error(`${url}: ${merged.errors} errors, ${merged.non2xx} non-2xx responses under load`);
    }
    const total = runs[side].reduce((sum, run) => sum + run.totalCompletedRequests, 0);
    return { perSecond: total / seconds, latency: merged.latency, total };
  };
  return { ferry: summary('ferry'), baseline: summary('baseline') };
}

/** {@link loadRounds} on one pair of servers, summarized by {@link summarizeRounds}. */
export async function alternateLoads(
  urls: { ferry: string; baseline: string },
  options: Omit<Options, 'url' | 'duration'>,
  plan: { rounds: number; seconds: number },
): Promise<{ ferry: SideResult; baseline: SideResult }> {
  return summarizeRounds(await loadRounds(urls, options, plan), options, { urls, seconds: plan.seconds });
}
