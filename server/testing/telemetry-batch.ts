import { randomBytes } from 'node:crypto';
import {
  LATENCY_EDGES_MS,
  LOAD_TIME_EDGES_MS,
  TOP_SCORE_EDGES,
  type ReferenceProfile,
  type TelemetryBatch,
} from '$shared';

/** `n` zero counts. */
export function zeros(n: number): number[] {
  return Array.from({ length: n }, () => 0);
}

/** `n` counts, all zero but `count` at index `at`. */
export function spike(n: number, at: number, count: number): number[] {
  return zeros(n).map((_, i) => (i === at ? count : 0));
}

/** The current minute as the wire format writes it, e.g. `2026-12-01T23:41:00Z`. */
export function minuteOf(date: Date): string {
  return new Date(Math.floor(date.getTime() / 60_000) * 60_000).toISOString().replace('.000Z', 'Z');
}

/**
 * A valid batch for the tiny test bundle with a reference profile (features `a` and `b` on 4
 * bins, labels red/green/blue): `runs` runs on wasm, all with latency in bin 10, a fresh random
 * batch id and the current minute as window. `edit` changes it before it is returned.
 *
 * @example telemetryBatch({ runs: 5 }, (b) => void (b.errors = { INFERENCE_FAILED: 1 }))
 */
export function telemetryBatch(
  fields: Partial<TelemetryBatch> = {},
  edit: (batch: TelemetryBatch) => void = () => {},
): TelemetryBatch {
  const runs = fields.runs ?? 10;
  const start = minuteOf(new Date());
  const batch: TelemetryBatch = {
    schemaVersion: 1,
    batchId: randomBytes(16).toString('hex'),
    model: 'tiny',
    version: '1.0.0',
    metadataVersion: 1,
    sdkVersion: '0.1.0',
    windowStart: start,
    windowEnd: start,
    runs,
    errors: {},
    latencyMs: { wasm: spike(LATENCY_EDGES_MS.length + 1, 10, runs) },
    loads: {
      cold: 1,
      warm: 0,
      bytesDownloaded: 1000,
      timeMs: spike(LOAD_TIME_EDGES_MS.length + 1, 5, 1),
      fallbacks: {},
    },
    features: [
      { name: 'a', counts: [0, runs, 0, 0, 0, 0] },
      { name: 'b', counts: [0, 0, runs, 0, 0, 0] },
    ],
    predictions: { counts: [runs, 0, 0], topScore: spike(TOP_SCORE_EDGES.length + 1, 18, runs) },
    environment: {
      backend: { wasm: runs },
      threads: { '2': runs },
      crossOriginIsolated: { yes: runs, no: 0 },
      webgpuAvailable: { yes: 0, no: runs },
    },
    ...fields,
  };
  edit(batch);
  return batch;
}

/** The reference profile {@link telemetryBatch} matches, for the tiny bundle's ferry.json. */
export const tinyReference: ReferenceProfile = {
  sampleCount: 100,
  features: [
    {
      name: 'a',
      kind: 'numeric',
      measure: { kind: 'column', column: 'a' },
      edges: [0, 0.25, 0.5, 0.75, 1],
      counts: [25, 25, 25, 25],
    },
    {
      name: 'b',
      kind: 'numeric',
      measure: { kind: 'column', column: 'b' },
      edges: [0, 0.25, 0.5, 0.75, 1],
      counts: [25, 25, 25, 25],
    },
  ],
  predictions: { labels: ['red', 'green', 'blue'], counts: [40, 30, 30] },
};
