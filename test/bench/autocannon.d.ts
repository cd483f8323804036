// The part of autocannon's API the benchmarks use (the package ships no type declarations).
declare module 'autocannon' {
  interface Histogram {
    average: number;
    mean: number;
    stddev: number;
    min: number;
    max: number;
    p50: number;
    p90: number;
    p97_5: number;
    p99: number;
  }
  /** One request of a sequence; `setupRequest` may rewrite it before each send. */
  export interface RequestSpec {
    method?: string;
    path?: string;
    headers?: Record<string, string>;
    body?: string;
    setupRequest?: (request: RequestSpec) => RequestSpec;
  }
  export interface Options {
    url: string;
    requests?: RequestSpec[];
    connections?: number;
    duration?: number;
    pipelining?: number;
    method?: string;
    headers?: Record<string, string>;
    /** Return the run's raw histograms for {@link aggregateResult} instead of a summary. */
    skipAggregateResult?: boolean;
  }
  /** A run made with `skipAggregateResult`: encoded histograms, merged by {@link aggregateResult}. */
  export interface RawResult {
    totalCompletedRequests: number;
    errors: number;
    non2xx: number;
  }
  export interface Result {
    requests: Histogram & { total: number };
    latency: Histogram;
    throughput: Histogram & { total: number };
    errors: number;
    timeouts: number;
    non2xx: number;
    duration: number;
  }
  function autocannon(options: Options & { skipAggregateResult: true }): Promise<RawResult>;
  function autocannon(options: Options): Promise<Result>;
  namespace autocannon {
    /** Merges raw runs: exact latency percentiles over all of them, summed counts. */
    function aggregateResult(results: RawResult[], options: Options): Result;
  }
  export default autocannon;
}
