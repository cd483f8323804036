import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Count, FeatureCounts, LATENCY_EDGES_MS, LatencyHistogram, MAX_COUNT } from './telemetry.ts';

// The plain zod spelling that the one-loop count arrays replace, for comparison.
const reference = z.array(Count).min(2).max(4098);
const fast = FeatureCounts.shape.counts;

// The verdict and the first issue: what the ingest's 400 reports (shared/zod-issue.ts).
const verdict = (result: z.ZodSafeParseResult<unknown>) =>
  result.success ? 'ok' : `${result.error.issues[0]?.path.join('.')}: ${result.error.issues[0]?.message}`;

describe('count arrays', () => {
  it('give the same verdict and first issue (path and message) as z.array(Count) (property)', () => {
    const element = fc.oneof(
      fc.integer({ min: 0, max: MAX_COUNT }),
      fc.integer({ min: -5, max: -1 }),
      fc.constantFrom(MAX_COUNT + 1, 1.5, Number.NaN, Infinity, -0),
      fc.constantFrom<unknown>('1', null, true, {}, []),
    );
    fc.assert(
      fc.property(fc.array(element, { maxLength: 8 }), (counts) => {
        expect(verdict(fast.safeParse(counts))).toEqual(verdict(reference.safeParse(counts)));
        // A fixed-length histogram: padded to its length, so that element verdicts are compared too.
        const padded = [...counts, ...Array.from({ length: 42 - counts.length }, () => 0)];
        const latency = z.array(Count).length(LATENCY_EDGES_MS.length + 1);
        for (const value of [counts, padded]) {
          const expected = verdict(latency.safeParse(value));
          expect(verdict(LatencyHistogram.safeParse(value)).split(':')[0]).toBe(expected.split(':')[0]);
          if (expected.startsWith('0') || /^\d/.test(expected)) {
            expect(verdict(LatencyHistogram.safeParse(value))).toBe(expected);
          }
        }
      }),
      { numRuns: 500 },
    );
  });

  it('refuses what is not an array, and arrays over the bound', () => {
    expect(fast.safeParse({ 0: 1, length: 2 }).success).toBe(false);
    expect(fast.safeParse('[1,2]').success).toBe(false);
    expect(verdict(fast.safeParse(Array.from({ length: 4099 }, () => 0)))).toEqual(
      verdict(reference.safeParse(Array.from({ length: 4099 }, () => 0))),
    );
  });
});
