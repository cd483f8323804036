import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ErrorCode,
  LATENCY_EDGES_MS,
  LOAD_TIME_EDGES_MS,
  MAX_COUNT,
  TOP_SCORE_EDGES,
  TelemetryBatch,
} from '$shared';
import { telemetryBatch, zeros } from '../testing/telemetry-batch.ts';
import { isTelemetryBatch } from '$shared/schemas/telemetry-batch-check.ts';

const count = fc.oneof(fc.nat(20), fc.constantFrom(0, MAX_COUNT));
const counts = (min: number, max: number) => fc.array(count, { minLength: min, maxLength: max });
const fixed = (n: number) => counts(n, n);
const record = (keys: readonly string[], value: fc.Arbitrary<unknown>) =>
  fc.dictionary(fc.constantFrom(...keys), value, { maxKeys: keys.length });
const minute = (m: number) => new Date(m * 60_000).toISOString().replace('.000Z', 'Z');

/** Valid batches, from the smallest to ones with every optional part and histograms at their bounds. */
const validBatch = fc
  .record({
    batchId: fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => Buffer.from(b).toString('hex')),
    model: fc.constantFrom('tiny', 'breast-cancer', 'a', 'x'.repeat(64)),
    version: fc.constantFrom('1.0.0', '0.1.0', '2.3.4-beta.1+build.5'),
    sdkVersion: fc.constantFrom('0.1.0', '1.0.0-rc.1'),
    startMinute: fc.integer({ min: 29_000_000, max: 29_500_000 }),
    span: fc.oneof(fc.constantFrom(0, 1440), fc.nat(1440)),
    metadataVersion: fc.oneof(fc.integer({ min: 1, max: 100 }), fc.constant(Number.MAX_SAFE_INTEGER)),
    runs: count,
    errors: record(Object.values(ErrorCode), count),
    latencyMs: record(['wasm', 'webgpu'], fixed(LATENCY_EDGES_MS.length + 1)),
    loads: fc.record({
      cold: count,
      warm: count,
      bytesDownloaded: fc.oneof(fc.nat(), fc.constant(2 ** 40)),
      timeMs: fixed(LOAD_TIME_EDGES_MS.length + 1),
      fallbacks: record(['no-webgpu-adapter', 'wasm-runtime-loaded'], count),
    }),
    features: fc.uniqueArray(
      fc.record({
        name: fc.oneof(
          fc.constantFrom('a', 'mean_ink', 'f'.repeat(128)),
          fc.string({ minLength: 1, maxLength: 8 }),
        ),
        counts: counts(2, 14),
      }),
      { maxLength: 6, selector: (feature) => feature.name },
    ),
    predictions: fc.option(
      fc.record({
        counts: counts(1, 5),
        topScore: fixed(TOP_SCORE_EDGES.length + 1),
      }),
      { nil: undefined },
    ),
    environment: fc.record({
      backend: record(['wasm', 'webgpu'], count),
      threads: record(['1', '2', '3-4', '5-8', '9-16'], count),
      crossOriginIsolated: fc.record({ yes: count, no: count }),
      webgpuAvailable: fc.record({ yes: count, no: count }),
    }),
    droppedBatches: fc.option(fc.constantFrom(0, 3, 1_000_000), { nil: undefined }),
  })
  .map(({ startMinute, span, predictions, droppedBatches, ...rest }) => {
    const batch: Record<string, unknown> = {
      schemaVersion: 1,
      ...rest,
      windowStart: minute(startMinute),
      windowEnd: minute(startMinute + span),
    };
    if (predictions !== undefined) batch.predictions = predictions;
    if (droppedBatches !== undefined) batch.droppedBatches = droppedBatches;
    return batch;
  });

type Json = unknown;
type Path = (string | number)[];

function pathsOf(value: Json, at: Path = [], into: Path[] = []): Path[] {
  into.push(at);
  if (Array.isArray(value)) value.forEach((item, i) => pathsOf(item, [...at, i], into));
  else if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) pathsOf(item, [...at, key], into);
  }
  return into;
}

/** Values at the edges of what the schema takes: counts, lengths, strings, types. */
const edgeValue = fc.constantFrom<Json>(
  -1,
  -0,
  0.5,
  MAX_COUNT,
  MAX_COUNT + 1,
  2 ** 40,
  2 ** 40 + 1,
  1_000_000,
  1_000_001,
  2 ** 53,
  0,
  1,
  2,
  '',
  'a',
  'A',
  '1',
  '0'.repeat(31),
  'f'.repeat(32),
  'F'.repeat(32),
  'f'.repeat(33),
  'x'.repeat(129),
  '1.0',
  '01.0.0',
  '2026-12-01T10:00:00Z',
  '2026-12-01T10:00Z',
  '2026-12-01T10:00:00.000Z',
  '2026-12-01T10:00:30Z',
  '2026-12-03T10:00:00Z',
  '2026-12-01T10:00:00+00:00',
  'wasm',
  null,
  true,
  [],
  {},
  [0],
  { yes: 0, no: 0 },
);

type Op = 'set' | 'delete' | 'add-key' | 'push' | 'pop' | 'duplicate' | 'window';
const mutation = fc.record({
  at: fc.nat(),
  // Half the time a field rather than any node: histograms' elements would outnumber them.
  fieldOnly: fc.boolean(),
  op: fc.constantFrom<Op>('set', 'set', 'set', 'delete', 'add-key', 'push', 'pop', 'duplicate', 'window'),
  minutes: fc.constantFrom(-1, 0, 1440, 1441),
  value: fc.oneof(edgeValue, edgeValue, fc.jsonValue({ maxDepth: 2 })),
  key: fc.constantFrom('wasm', 'INFERENCE_FAILED', 'extra', 'yes', '__proto__', 'predictions', 'other'),
});

type Mutation = { at: number; fieldOnly: boolean; op: Op; minutes: number; value: Json; key: string };

function mutate(batch: Json, m: Mutation): Json {
  const copy = structuredClone(batch) as Json;
  if (m.op === 'window') {
    // An earlier mutation may have replaced the whole batch with a scalar, null or an array.
    if (typeof copy !== 'object' || copy === null || Array.isArray(copy)) return copy;
    const window = copy as { windowStart?: unknown; windowEnd?: unknown };
    if (typeof window.windowStart === 'string' && Number.isFinite(Date.parse(window.windowStart)))
      window.windowEnd = minute(Date.parse(window.windowStart) / 60_000 + m.minutes);
    return copy;
  }
  const all = pathsOf(copy);
  const fields = all.filter((path) => typeof path[path.length - 1] === 'string');
  const paths = m.fieldOnly && fields.length > 0 ? fields : all;
  const path = paths[m.at % paths.length] as Path;
  if (path.length === 0) return m.op === 'set' ? m.value : copy;
  const parent = path.slice(0, -1).reduce<Json>((node, step) => (node as Record<string, Json>)[step], copy);
  const last = path[path.length - 1] as string | number;
  const target = (parent as Record<string | number, Json>)[last];
  if (m.op === 'set') (parent as Record<string | number, Json>)[last] = m.value;
  else if (m.op === 'delete') {
    if (Array.isArray(parent)) parent.splice(last as number, 1);
    else delete (parent as Record<string, Json>)[last];
  } else if (m.op === 'add-key' && typeof target === 'object' && target !== null && !Array.isArray(target)) {
    (target as Record<string, Json>)[m.key] = m.value;
  } else if (m.op === 'push' && Array.isArray(target)) target.push(structuredClone(target[0] ?? m.value));
  else if (m.op === 'pop' && Array.isArray(target)) target.pop();
  else if (m.op === 'duplicate' && Array.isArray(parent)) parent.push(structuredClone(target));
  return copy;
}

const manyFeatures = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `f${i}`, counts: [0, 1] }));

/** What the ingest route gives the check: a value as JSON.parse returns it. */
const overTheWire = (value: Json): Json => JSON.parse(JSON.stringify(value) ?? 'null') as Json;

describe('isTelemetryBatch', () => {
  it('gives the schema verdict on valid batches and on batches with up to three mutations', () => {
    let accepted = 0;
    let refused = 0;
    fc.assert(
      fc.property(validBatch, fc.array(mutation, { maxLength: 3 }), (batch, mutations) => {
        const value = overTheWire(mutations.reduce(mutate, batch as Json));
        const expected = TelemetryBatch.safeParse(value).success;
        if (expected) accepted++;
        else refused++;
        expect(isTelemetryBatch(value)).toBe(expected);
      }),
      { numRuns: 1000 },
    );
    // Both verdicts are exercised in bulk, so the property cannot pass by always agreeing on one.
    expect(accepted).toBeGreaterThan(200);
    expect(refused).toBeGreaterThan(200);
  });

  it('accepts the test batch and batches at the size bounds, and refuses each field broken or one past its bound', () => {
    const batch = telemetryBatch({ runs: 3 });
    expect(isTelemetryBatch(overTheWire(batch))).toBe(true);
    const broken: [string, (b: Record<string, unknown>) => void][] = [
      ['an unknown field', (b) => void (b.userAgent = 'x')],
      ['an upper-case batch id', (b) => void (b.batchId = 'F'.repeat(32))],
      ['a 31-digit batch id', (b) => void (b.batchId = 'f'.repeat(31))],
      ['a numeric batch id', (b) => void (b.batchId = 1)],
      // The characters just outside 0-9 and a-f, for the batch id's char loop.
      ...['/', ':', '`', 'g'].map((c): [string, (b: Record<string, unknown>) => void] => [
        `a batch id ending in ${c}`,
        (b) => void (b.batchId = `${'0'.repeat(31)}${c}`),
      ]),
      [
        'a duplicate feature among names the last batch had in another order',
        (b) =>
          void (b.features = [
            { name: 'b', counts: [0, 0] },
            { name: 'a', counts: [0, 0] },
            { name: 'b', counts: [0, 0] },
          ]),
      ],
      ['a missing runs', (b) => void delete b.runs],
      ['a fractional count', (b) => void ((b.loads as { cold: number }).cold = 0.5)],
      ['a window end before its start', (b) => void (b.windowEnd = '2000-01-01T00:00:00Z')],
      ['a duplicate feature', (b) => void (b.features as unknown[]).push((b.features as unknown[])[0])],
      ['a short latency histogram', (b) => void (b.latencyMs as { wasm: number[] }).wasm.pop()],
      ['an unknown error code', (b) => void (b.errors = { NOPE: 1 })],
      ['1,000,001 dropped batches', (b) => void (b.droppedBatches = 1_000_001)],
      [
        '2^40 + 1 bytes downloaded',
        (b) => void ((b.loads as { bytesDownloaded: number }).bytesDownloaded = 2 ** 40 + 1),
      ],
      ['a metadata version past the safe integers', (b) => void (b.metadataVersion = 2 ** 53)],
      [
        'a window of 24 h and a minute',
        (b) => void (b.windowEnd = minute(Date.parse(b.windowStart as string) / 60_000 + 1441)),
      ],
      ['4,099 counts of a feature', (b) => void (b.features = [{ name: 'a', counts: zeros(4099) }])],
      ['4,097 prediction counts', (b) => void (b.predictions = { counts: zeros(4097), topScore: zeros(22) })],
      ['1,025 features', (b) => void (b.features = manyFeatures(1025))],
      [
        'a 129-character feature name',
        (b) => void (b.features = [{ name: 'f'.repeat(129), counts: [0, 0] }]),
      ],
    ];
    const atBounds: ((b: Record<string, unknown>) => void)[] = [
      (b) => void (b.features = [{ name: 'f'.repeat(128), counts: zeros(4098) }]),
      (b) => void (b.predictions = { counts: zeros(4096), topScore: zeros(22) }),
      (b) => void (b.features = manyFeatures(1024)),
      (b) => void (b.droppedBatches = 1_000_000),
      (b) => void (b.batchId = `${'0123456789abcdef'.repeat(2)}`),
      (b) => void ((b.loads as { bytesDownloaded: number }).bytesDownloaded = 2 ** 40),
      (b) => void (b.windowEnd = minute(Date.parse(b.windowStart as string) / 60_000 + 1440)),
    ];
    for (const edit of atBounds) {
      const value = overTheWire(batch) as Record<string, unknown>;
      edit(value);
      expect(TelemetryBatch.safeParse(value).success).toBe(true);
      expect(isTelemetryBatch(value)).toBe(true);
    }
    for (const [what, edit] of broken) {
      const value = overTheWire(batch) as Record<string, unknown>;
      edit(value);
      expect([what, isTelemetryBatch(value)]).toEqual([what, false]);
      expect([what, TelemetryBatch.safeParse(value).success]).toEqual([what, false]);
    }
  });
});
