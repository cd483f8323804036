import { describe, expect, it } from 'vitest';
import { decideRange } from './range.ts';

describe('decideRange', () => {
  it('serves a closed range, clamping its end to the size', () => {
    expect(decideRange('bytes=10-19', 100)).toEqual({ kind: 'partial', range: { start: 10, end: 19 } });
    expect(decideRange('bytes=90-200', 100)).toEqual({ kind: 'partial', range: { start: 90, end: 99 } });
  });

  it('serves an open range to the end and a suffix range of the last bytes', () => {
    expect(decideRange('bytes=50-', 100)).toEqual({ kind: 'partial', range: { start: 50, end: 99 } });
    expect(decideRange('bytes=-10', 100)).toEqual({ kind: 'partial', range: { start: 90, end: 99 } });
    expect(decideRange('bytes=-500', 100)).toEqual({ kind: 'partial', range: { start: 0, end: 99 } });
  });

  it('reports a range starting past the end as unsatisfiable', () => {
    expect(decideRange('bytes=100-', 100)).toEqual({ kind: 'unsatisfiable' });
    expect(decideRange('bytes=-0', 100)).toEqual({ kind: 'unsatisfiable' });
  });

  it('serves the whole resource for absent, multiple, foreign-unit or malformed ranges', () => {
    for (const header of [null, 'bytes=0-1,5-6', 'items=0-1', 'bytes=abc', 'bytes=5-2', 'bytes=-']) {
      expect(decideRange(header, 100)).toEqual({ kind: 'full' });
    }
  });
});
