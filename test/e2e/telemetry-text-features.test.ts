import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { binIndex } from '../../shared/features/bin-index.ts';
import { root, startStack, type Stack } from './support/stack.ts';
import { drained, driftReportOf } from './support/telemetry.ts';

// The worker's token features on the debian-sections held-out descriptions against the values the
// training code computed for them (models/debian-sections/reference.py, written per text into
// test/fixtures/features/reference-values.json by make-reference-values.py). The worker sends
// histograms only, so each check publishes the model as a version whose profile has one bin per
// possible value: equal histograms mean equal multisets of values, to the last bit.

const bundle = path.join(root, 'models/debian-sections');
interface Values {
  text_tokens: number[];
  text_unknown_rate: number[];
}
const reference = (
  JSON.parse(readFileSync(path.join(root, 'test/fixtures/features/reference-values.json'), 'utf8')) as {
    'debian-sections': { heldout: Values; extra: Values & { texts: string[] } };
  }
)['debian-sections'];
const heldOut = gunzipSync(readFileSync(path.join(bundle, 'heldout.jsonl.gz')))
  .toString('utf8')
  .trim()
  .split('\n')
  .map((line) => (JSON.parse(line) as { text: string }).text);

/** The next double above `x` (x ≥ 0). */
function nextUp(x: number): number {
  const bits = new BigInt64Array(new Float64Array([x]).buffer);
  bits[0] = (bits[0] as bigint) + 1n;
  return new Float64Array(bits.buffer)[0] as number;
}

/** Edges whose bins `[v, nextUp(v))` each hold exactly one of `values`' distinct values. */
function exactEdges(values: readonly number[]): number[] {
  const distinct = [...new Set(values)].sort((a, b) => a - b);
  return distinct.flatMap((v) => [v, nextUp(v)]);
}

/** `values` counted on `edges` in the telemetry layout (underflow, one per bin, overflow). */
function histogram(edges: readonly number[], values: readonly number[]): number[] {
  const counts = new Array<number>(edges.length + 1).fill(0);
  for (const value of values) {
    const bin = binIndex(edges, value);
    counts[bin] = (counts[bin] as number) + 1;
  }
  return counts;
}

// 0…128 in steps of 1: one bin per token count (at most 127 after truncation).
const TOKEN_EDGES = Array.from({ length: 129 }, (_, i) => i);

/** debian-sections as `version`, its token features on exact bins, counted on `values` as the profile. */
function exactProfile(version: string, values: Values) {
  const rateEdges = exactEdges(values.text_unknown_rate);
  const edges: Record<string, number[]> = { text_tokens: TOKEN_EDGES, text_unknown_rate: rateEdges };
  return (m: Record<string, unknown>) => {
    m.version = version;
    const profile = m.reference as { sampleCount: number; features: Record<string, unknown>[] };
    profile.sampleCount = values.text_tokens.length;
    profile.features = profile.features
      .filter((f) => typeof f.name === 'string' && f.name in edges)
      .map((f) => {
        const name = f.name as keyof Values;
        const on = edges[name] as number[];
        const { mean: _mean, std: _std, ...rest } = f;
        return { ...rest, edges: on, counts: histogram(on, values[name]).slice(1, -1) };
      });
  };
}

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
  await stack.publishVariant(bundle, exactProfile('1.2.1', reference.heldout));
  await stack.publishVariant(bundle, exactProfile('1.2.2', reference.extra));
}, 120_000);
afterAll(() => stack?.close());

/** The live histogram the browser's telemetry gave `feature` of `version`. */
async function live(version: string, feature: keyof Values): Promise<number[] | undefined> {
  const report = await driftReportOf(stack.server, { model: 'debian-sections', version });
  return report.report.features.find((f) => f.name === feature)?.live;
}

describe('token features measured by the worker (debian-sections in Chromium)', () => {
  beforeAll(async () => {
    const { h } = stack;
    // One batch per thousand runs keeps the ingest well under its rate limit.
    await h.open('t', stack.clientOptions({ telemetry: { flushRuns: 1000 } }));
    expect((await h.load('t', 'debian-sections', { version: '1.2.1', key: 'held' })).error).toBeUndefined();
    expect((await h.load('t', 'debian-sections', { version: '1.2.2', key: 'extra' })).error).toBeUndefined();
    expect(
      await h.runEach(
        'held',
        heldOut.map((text) => ({ kind: 'text', text })),
      ),
    ).toBe(heldOut.length);
    const extra = reference.extra.texts.map((text) => ({ kind: 'text' as const, text }));
    expect(await h.runEach('extra', extra)).toBe(extra.length);
    await h.flushTelemetry('t');
    await drained(h, 't');
  }, 600_000);

  it('counts the same tokens per text as the training code on all 2,705 held-out descriptions', async () => {
    expect(heldOut).toHaveLength(2705);
    expect(await live('1.2.1', 'text_tokens')).toEqual(histogram(TOKEN_EDGES, reference.heldout.text_tokens));
  });

  it('finds the same unknown-token rates, bit for bit, on the held-out descriptions', async () => {
    const values = reference.heldout.text_unknown_rate;
    expect(values.some((rate) => rate > 0)).toBe(true);
    expect(await live('1.2.1', 'text_unknown_rate')).toEqual(histogram(exactEdges(values), values));
  });

  it('agrees on Unicode edge cases, empty text and texts that are mostly unknown tokens', async () => {
    const { text_tokens, text_unknown_rate } = reference.extra;
    expect(text_unknown_rate.filter((rate) => rate >= 0.25).length).toBeGreaterThan(2);
    expect(await live('1.2.2', 'text_tokens')).toEqual(histogram(TOKEN_EDGES, text_tokens));
    expect(await live('1.2.2', 'text_unknown_rate')).toEqual(
      histogram(exactEdges(text_unknown_rate), text_unknown_rate),
    );
  });
});
