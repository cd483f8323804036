import { describe, expect, it } from 'vitest';
import { planEviction } from './eviction.ts';
import type { CachedVersion, ModelRecord } from './types.ts';

function version(v: string, lastUsedAt: number, files: [string, number][]): CachedVersion {
  return {
    version: v,
    envelope: {},
    metadataVersion: 1,
    files: files.map(([sha256, size]) => ({ path: `${sha256}.bin`, sha256, size })),
    cachedAt: 0,
    lastUsedAt,
  };
}

function record(name: string, ...versions: CachedVersion[]): ModelRecord {
  return { name, versions, channels: {}, seenMetadata: {} };
}

const digits = record('digits', version('1.1.0', 50, [['a', 100]]), version('1.0.0', 10, [['b', 100]]));
const cancer = record('cancer', version('2.0.0', 30, [['c', 100]]));

describe('planEviction', () => {
  it('keeps everything that fits the budget', () => {
    const plan = planEviction([digits, cancer], { budgetBytes: 300 });
    expect(plan).toEqual({ records: [], dropped: [], deleteBlobs: [], keptBytes: 300 });
  });

  it('drops least recently used versions first until the rest fits', () => {
    const plan = planEviction([digits, cancer], { budgetBytes: 150 });
    expect(plan.dropped).toEqual(['digits@1.0.0', 'cancer@2.0.0']);
    expect(plan.deleteBlobs.sort()).toEqual(['b', 'c']);
    expect(plan.keptBytes).toBe(100);
    expect(plan.records.map((r) => [r.name, r.versions.map((v) => v.version)])).toEqual([
      ['digits', ['1.1.0']],
      ['cancer', []],
    ]);
  });

  it('never drops the protected version, even over budget', () => {
    const plan = planEviction([digits, cancer], {
      budgetBytes: 0,
      protect: { name: 'digits', version: '1.0.0' },
    });
    expect(plan.dropped).toEqual(['cancer@2.0.0', 'digits@1.1.0']);
    expect(plan.keptBytes).toBe(100);
  });

  it('counts a blob shared by two versions once and keeps it while one still needs it', () => {
    const shared = record(
      'ocr',
      version('2.0.0', 40, [
        ['weights', 500],
        ['dict-v2', 10],
      ]),
      version('1.0.0', 20, [
        ['weights', 500],
        ['dict-v1', 10],
      ]),
    );
    expect(planEviction([shared], { budgetBytes: 520 }).dropped).toEqual([]);
    const plan = planEviction([shared], { budgetBytes: 515 });
    expect(plan.dropped).toEqual(['ocr@1.0.0']);
    expect(plan.deleteBlobs).toEqual(['dict-v1']);
  });

  it('deletes stored blobs that no record references', () => {
    const plan = planEviction([cancer], { budgetBytes: 1000, storedBlobs: ['c', 'orphan'] });
    expect(plan.deleteBlobs).toEqual(['orphan']);
  });

  it('never deletes the blobs it is told to keep, referenced or not', () => {
    const plan = planEviction([cancer], {
      budgetBytes: 0,
      storedBlobs: ['c', 'new-a', 'orphan'],
      keepBlobs: ['new-a', 'c'],
    });
    expect(plan.dropped).toEqual(['cancer@2.0.0']);
    expect(plan.deleteBlobs).toEqual(['orphan']);
  });
});
