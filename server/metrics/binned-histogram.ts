import { Histogram, type Registry } from 'prom-client';

type Exported = Awaited<ReturnType<Histogram['get']>>;
type ExportedValue = Exported['values'][number];

/** One labelled series of a {@link BinnedHistogram}. */
export interface BinnedSeries {
  labels: Record<string, string>;
  /** Counts on the histogram's edges: below the first edge, one per bin, above the last edge. */
  counts: readonly number[];
  /** The exact sum of the values, where known; estimated from the bins otherwise. */
  sum?: number;
}

// Float division leaves noise (0.115 / 1000 = 0.00011500000000000001); the edges have 3 digits.
const tidy = (value: number) => Number(value.toPrecision(12));

/**
 * A Prometheus histogram whose bucket counts are set whole from counts that were binned
 * elsewhere (on the devices), instead of observed one value at a time: millions of runs become
 * one assignment per bin. `le` buckets are the bins' upper edges; `_sum` is the series' own sum
 * when it has one, else estimated from each bin's geometric centre (half the first edge for the
 * underflow, the last edge for the overflow), since only the counts travel.
 *
 * prom-client has no public call that sets a histogram's buckets, so this overrides the two
 * methods its Registry reads a metric through (`getForPromString` for the text exposition, `get`
 * for JSON); metrics.test.ts parses the exposition, so a change there fails a test.
 */
export class BinnedHistogram extends Histogram {
  private values: ExportedValue[] = [];
  private readonly upper: readonly number[];
  private readonly snapshot: (() => readonly BinnedSeries[]) | undefined;

  constructor(config: {
    name: string;
    help: string;
    labelNames: readonly string[];
    edges: readonly number[];
    registry: Registry;
    /** Called at each scrape for the current series; without it, {@link setSeries} sets them. */
    snapshot?: () => readonly BinnedSeries[];
  }) {
    const upper = config.edges.map(tidy);
    super({
      name: config.name,
      help: config.help,
      labelNames: config.labelNames,
      buckets: [...upper],
      registers: [config.registry],
    });
    this.upper = upper;
    this.snapshot = config.snapshot;
  }

  /** Replaces every series with `series`. Counts must hold edges + 1 entries. */
  setSeries(series: readonly BinnedSeries[]): void {
    const name = (this as unknown as { name: string }).name;
    const values: ExportedValue[] = [];
    for (const { labels, counts, sum: exact } of series) {
      if (counts.length !== this.upper.length + 1) {
        throw new Error(`${name}: ${counts.length} counts for ${this.upper.length} edges (need edges + 1)`);
      }
      let cumulative = 0;
      let sum = 0;
      this.upper.forEach((edge, i) => {
        const count = counts[i] as number;
        cumulative += count;
        const centre = i === 0 ? edge / 2 : Math.sqrt((this.upper[i - 1] as number) * edge);
        sum += count * centre;
        values.push({ metricName: `${name}_bucket`, labels: { ...labels, le: edge }, value: cumulative });
      });
      const overflow = counts[this.upper.length] as number;
      cumulative += overflow;
      sum += overflow * (this.upper[this.upper.length - 1] as number);
      values.push({ metricName: `${name}_bucket`, labels: { ...labels, le: '+Inf' }, value: cumulative });
      values.push({ metricName: `${name}_sum`, labels, value: exact ?? sum });
      values.push({ metricName: `${name}_count`, labels, value: cumulative });
    }
    this.values = values;
  }

  /** The series last set, in prom-client's export shape. */
  override async get(): Promise<Exported> {
    if (this.snapshot) this.setSeries(this.snapshot());
    // prom-client's typings declare `type` a numeric enum its JavaScript does not export; the
    // instance's own field holds the value the Registry expects ('histogram').
    const self = this as unknown as Pick<Exported, 'name' | 'help' | 'type' | 'aggregator' | 'collect'>;
    return {
      name: self.name,
      help: self.help,
      type: self.type,
      values: this.values,
      aggregator: self.aggregator,
      collect: self.collect,
    };
  }

  /** What prom-client's Registry reads for the text exposition: the same as {@link get}. */
  getForPromString(): Promise<Exported> {
    return this.get();
  }
}
