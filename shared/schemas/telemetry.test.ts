import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeIssue } from '../zod-issue.ts';
import {
  LATENCY_EDGES_MS,
  LOAD_TIME_EDGES_MS,
  MAX_COUNT,
  TELEMETRY_MAX_BYTES,
  TOP_SCORE_EDGES,
  TelemetryBatch,
  threadBucket,
} from './telemetry.ts';

const zeros = (n: number) => Array.from({ length: n }, () => 0);
const spike = (n: number, at: number, count: number) => zeros(n).map((_, i) => (i === at ? count : 0));

/** A complete batch for the breast-cancer model, the example docs/http-api.md shows. */
function example() {
  return {
    schemaVersion: 1,
    batchId: '5f0c2a9e7b1d4c3f8e6a0b2d4f6a8c0e',
    model: 'breast-cancer',
    version: '1.1.0',
    metadataVersion: 7,
    sdkVersion: '0.1.0',
    windowStart: '2026-12-01T23:41:00Z',
    windowEnd: '2026-12-01T23:46:00Z',
    runs: 120,
    errors: { INVALID_INPUT: 2 },
    latencyMs: { wasm: spike(LATENCY_EDGES_MS.length + 1, 9, 118) },
    loads: {
      cold: 1,
      warm: 0,
      bytesDownloaded: 3021,
      timeMs: spike(LOAD_TIME_EDGES_MS.length + 1, 12, 1),
      fallbacks: { 'no-webgpu-adapter': 1 },
    },
    features: [
      { name: 'mean_radius', counts: [0, 12, 12, 12, 12, 12, 12, 12, 12, 12, 10, 2] },
      { name: 'mean_texture', counts: [1, 11, 12, 12, 12, 12, 12, 12, 12, 12, 12, 0] },
    ],
    predictions: { counts: [45, 73], topScore: spike(TOP_SCORE_EDGES.length + 1, 20, 118) },
    environment: {
      backend: { wasm: 118 },
      threads: { '3-4': 118 },
      crossOriginIsolated: { yes: 118, no: 0 },
      webgpuAvailable: { yes: 0, no: 118 },
    },
    droppedBatches: 0,
  };
}

type Batch = ReturnType<typeof example>;

/** `path: message` of the first issue, or `ok`. */
function verdict(edit: (batch: Batch & Record<string, unknown>) => void): string {
  const batch = example() as Batch & Record<string, unknown>;
  edit(batch);
  const parsed = TelemetryBatch.safeParse(batch);
  return parsed.success ? 'ok' : describeIssue(parsed.error, 'batch');
}

describe('TelemetryBatch', () => {
  it('parses a complete batch unchanged, well under the byte bound', () => {
    expect(TelemetryBatch.parse(example())).toEqual(example());
    expect(new TextEncoder().encode(JSON.stringify(example())).length).toBeLessThan(TELEMETRY_MAX_BYTES / 16);
  });

  it('parses the complete example of docs/http-api.md', () => {
    const doc = readFileSync(path.resolve(import.meta.dirname, '../../docs/http-api.md'), 'utf8');
    const block = /### A complete batch\n[^`]*```json\n([^`]+)```/.exec(doc)?.[1];
    expect(block).toBeDefined();
    const batch = TelemetryBatch.parse(JSON.parse(block ?? ''));
    expect(batch).toMatchObject({ model: 'digits', version: '1.1.0', runs: 40 });
    // The counts fit the digits profile: edges + 1 per feature, one per label.
    const manifest = JSON.parse(
      readFileSync(path.resolve(import.meta.dirname, '../../models/digits/ferry.json'), 'utf8'),
    ) as { labels: string[]; reference: { features: { name: string; edges: number[] }[] } };
    expect(batch.features.map((f) => [f.name, f.counts.length])).toEqual(
      manifest.reference.features.map((f) => [f.name, f.edges.length + 1]),
    );
    expect(batch.predictions?.counts).toHaveLength(manifest.labels.length);
  });

  it('fits the byte bound for 30 numeric features of 10 bins, 10 labels and every count at its maximum', () => {
    const full = (n: number) => Array.from({ length: n }, () => MAX_COUNT);
    const batch = {
      ...example(),
      latencyMs: { wasm: full(LATENCY_EDGES_MS.length + 1), webgpu: full(LATENCY_EDGES_MS.length + 1) },
      features: Array.from({ length: 30 }, (_, i) => ({ name: `feature_${i}`, counts: full(12) })),
      predictions: { counts: full(10), topScore: full(TOP_SCORE_EDGES.length + 1) },
    };
    expect(TelemetryBatch.safeParse(batch).success).toBe(true);
    expect(JSON.stringify(batch).length).toBeLessThan(TELEMETRY_MAX_BYTES);
  });

  it('refuses a batch id that is not 128 bits of lowercase hex', () => {
    expect(verdict((b) => (b.batchId = 'device-1'))).toMatch(/^batchId: must be 32 lowercase hex digits/);
    expect(verdict((b) => (b.batchId = b.batchId.toUpperCase()))).toMatch(/^batchId:/);
  });

  it('refuses windows not rounded to the minute, reversed or longer than 24 hours', () => {
    expect(verdict((b) => (b.windowStart = '2026-12-01T23:41:30Z'))).toMatch(
      /^windowStart: must be rounded to the minute/,
    );
    expect(verdict((b) => (b.windowEnd = '2026-12-01T23:46:00.500Z'))).toMatch(/^windowEnd: must be rounded/);
    expect(verdict((b) => (b.windowEnd = '2026-12-01T23:46:00.0000001Z'))).toMatch(
      /^windowEnd: must be rounded/,
    );
    expect(verdict((b) => (b.windowEnd = '2026-12-01T23:46:00.000Z'))).toBe('ok');
    expect(verdict((b) => (b.windowEnd = '2026-12-01T23:40:00Z'))).toBe(
      'windowEnd: must not be before windowStart',
    );
    expect(verdict((b) => (b.windowEnd = '2026-12-02T23:41:00Z'))).toBe('ok');
    expect(verdict((b) => (b.windowEnd = '2026-12-02T23:42:00Z'))).toBe(
      'windowEnd: must be at most 1440 minutes after windowStart',
    );
    expect(verdict((b) => (b.windowStart = 'yesterday'))).toMatch(/^windowStart:/);
  });

  it('refuses counts that are negative, fractional or over the maximum, naming the path', () => {
    expect(verdict((b) => (b.runs = -1))).toMatch(/^runs: /);
    expect(verdict((b) => (b.runs = 1.5))).toMatch(/^runs: /);
    expect(verdict((b) => (b.runs = MAX_COUNT + 1))).toMatch(/^runs: /);
    expect(verdict((b) => (b.features[1]!.counts[3] = -2))).toMatch(/^features\.1\.counts\.3: /);
    expect(verdict((b) => (b.environment.crossOriginIsolated.no = 0.5))).toMatch(
      /^environment\.crossOriginIsolated\.no: /,
    );
    expect(verdict((b) => (b.loads.bytesDownloaded = 2 ** 41))).toMatch(/^loads\.bytesDownloaded: /);
    expect(verdict((b) => (b.droppedBatches = 2_000_000))).toMatch(/^droppedBatches: /);
  });

  it('refuses fixed histograms of the wrong length, naming the path and the edges', () => {
    expect(verdict((b) => b.latencyMs.wasm.pop())).toBe(
      `latencyMs.wasm: must hold ${LATENCY_EDGES_MS.length + 1} counts (LATENCY_EDGES_MS: ${LATENCY_EDGES_MS.length - 1} bins + under/overflow)`,
    );
    expect(verdict((b) => b.loads.timeMs.push(0))).toMatch(/^loads\.timeMs: must hold 32 counts/);
    expect(verdict((b) => b.predictions.topScore.pop())).toMatch(
      /^predictions\.topScore: must hold 22 counts/,
    );
  });

  it('accepts error codes, backends, fallback reasons and thread buckets only from their closed sets', () => {
    expect(verdict((b) => Object.assign(b.errors, { OOPS: 1 }))).toMatch(/^errors: Unrecognized key: "OOPS"/);
    expect(verdict((b) => Object.assign(b.latencyMs, { webnn: b.latencyMs.wasm }))).toMatch(/^latencyMs: /);
    expect(verdict((b) => Object.assign(b.loads.fallbacks, { 'GPU crashed on Mali-G78': 1 }))).toMatch(
      /^loads\.fallbacks: /,
    );
    expect(verdict((b) => Object.assign(b.environment.threads, { '6': 1 }))).toMatch(
      /^environment\.threads: /,
    );
  });

  it('refuses any field beyond the schema, such as a user agent or a raw input', () => {
    expect(verdict((b) => (b.userAgent = 'Mozilla/5.0'))).toMatch(/^batch: Unrecognized key: "userAgent"/);
    expect(verdict((b) => Object.assign(b.loads, { url: 'https://x' }))).toMatch(/^loads: Unrecognized key/);
    expect(verdict((b) => Object.assign(b.features[0]!, { values: [14.2] }))).toMatch(
      /^features\.0: Unrecognized key: "values"/,
    );
    expect(verdict((b) => Object.assign(b.predictions, { text: 'hello' }))).toMatch(/^predictions: /);
  });

  it('bounds every array and string and refuses duplicate feature names', () => {
    expect(verdict((b) => (b.features[1]!.name = 'mean_radius'))).toBe(
      'features.1.name: duplicate feature mean_radius',
    );
    expect(verdict((b) => (b.features[0]!.counts = zeros(4099)))).toMatch(/^features\.0\.counts: /);
    expect(verdict((b) => (b.features[0]!.name = 'x'.repeat(129)))).toMatch(/^features\.0\.name: /);
    expect(
      verdict(
        (b) => (b.features = Array.from({ length: 1025 }, (_, i) => ({ name: `f${i}`, counts: [0, 0] }))),
      ),
    ).toMatch(/^features: /);
    expect(verdict((b) => (b.predictions.counts = zeros(4097)))).toMatch(/^predictions\.counts: /);
    expect(verdict((b) => (b.sdkVersion = 'Chrome/131'))).toMatch(/^sdkVersion: /);
    expect(verdict((b) => (b.model = 'Breast Cancer'))).toMatch(/^model: /);
  });
});

describe('fixed edges', () => {
  it('are strictly increasing and span their documented ranges', () => {
    for (const [edges, lo, hi] of [
      [LATENCY_EDGES_MS, 0.05, 60_000],
      [LOAD_TIME_EDGES_MS, 1, 600_000],
      [TOP_SCORE_EDGES, 0, 1],
    ] as const) {
      expect(edges[0]).toBe(lo);
      expect(edges.at(-1)).toBe(hi);
      edges.slice(1).forEach((edge, i) => expect(edge).toBeGreaterThan(edges[i]!));
    }
    expect(LATENCY_EDGES_MS.slice(0, 4)).toEqual([0.05, 0.0709, 0.101, 0.143]);
  });
});

describe('threadBucket', () => {
  it('puts thread counts in coarse buckets', () => {
    expect([1, 2, 3, 4, 5, 8, 9, 16, 64].map(threadBucket)).toEqual([
      '1',
      '2',
      '3-4',
      '3-4',
      '5-8',
      '5-8',
      '9-16',
      '9-16',
      '9-16',
    ]);
  });
});
