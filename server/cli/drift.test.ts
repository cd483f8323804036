import { describe, expect, it } from 'vitest';
import { driftReport } from '$shared/stats/drift-report.ts';
import { tinyReference } from '../testing/telemetry-batch.ts';
import type { ReferenceProfile } from '$shared';
import { formatDriftReport, parseInstant } from './drift.ts';

const NOW = new Date('2026-12-01T12:00:00Z');

describe('parseInstant', () => {
  it.each([
    ['30m', '2026-12-01T11:30:00.000Z'],
    ['1h', '2026-12-01T11:00:00.000Z'],
    ['24h', '2026-11-30T12:00:00.000Z'],
    ['7d', '2026-11-24T12:00:00.000Z'],
    ['2026-12-01T08:00:00Z', '2026-12-01T08:00:00.000Z'],
    ['2026-12-01T09:00:00+01:00', '2026-12-01T08:00:00.000Z'],
  ])('reads %s', (value, iso) => {
    expect(parseInstant(value, NOW).toISOString()).toBe(iso);
  });

  it.each(['', '1w', '-1h', 'yesterday', '2026-12-01', '2026-12-01T08:00:00', '2026-13-01T08:00:00Z'])(
    'refuses %j',
    (value) => {
      expect(() => parseInstant(value, NOW)).toThrow(/is neither a duration/);
    },
  );
});

describe('formatDriftReport', () => {
  it('prints one aligned row per feature, the predictions, and the share drifted', () => {
    const report = driftReport(tinyReference as unknown as ReferenceProfile, {
      features: [
        { name: 'a', counts: [0, 100, 100, 100, 100, 0] },
        { name: 'b', counts: [0, 0, 0, 0, 400, 0] },
      ],
      predictions: { counts: [160, 120, 120] },
    });
    const lines = formatDriftReport({
      model: 'tiny',
      version: '1.0.0',
      since: '2026-11-30T12:00:00.000Z',
      until: '2026-12-01T12:00:00.000Z',
      buckets: 1,
      batches: 1,
      runs: 400,
      report,
    });
    expect(lines[0]).toBe(
      'tiny@1.0.0  2026-11-30T12:00:00.000Z → 2026-12-01T12:00:00.000Z  1 batches, 400 runs',
    );
    expect(lines[2]).toMatch(/^feature +method +statistic +threshold +p-value +live n +status$/);
    expect(lines[3]).toMatch(/^a +ks +0 +0\.005 +1 +400 +ok$/);
    expect(lines[4]).toMatch(/^b +ks +0\.75 +0\.005 +\S+ +400 +DRIFTED$/);
    expect(lines[6]).toMatch(/^predictions +chi_square +0 +0\.005 +1 +400 +ok$/);
    // Columns line up: every row's second column starts where the header's does.
    const column = (lines[2] as string).indexOf('method');
    for (const line of [lines[3], lines[4], lines[6]]) expect((line as string).slice(column)).toMatch(/^\S/);
    expect(lines.at(-1)).toBe('drifted: 1 of 2 features with a verdict (50%)');
  });

  it('says when no feature has a verdict yet', () => {
    const report = driftReport(tinyReference as unknown as ReferenceProfile, { features: [] });
    const lines = formatDriftReport({
      model: 'tiny',
      version: '1.0.0',
      since: 's',
      until: 'u',
      buckets: 0,
      batches: 0,
      runs: 0,
      report,
    });
    expect(lines.filter((l) => l.includes('insufficient data'))).toHaveLength(3);
    expect(lines.at(-1)).toBe('drifted: no feature has enough data for a verdict (2 insufficient)');
  });
});
