import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decideRange } from './range.ts';

describe('decideRange', () => {
  it('serves a closed range, clamping its end to the size', () => {
    expect(decideRange('bytes=10-19', 100)).toEqual({ kind: 'partial', range: { start: 10, end: 19 } });
    expect(decideRange('bytes=90-200', 100)).toEqual({ kind: 'partial', range: { start: 90, end: 99 } });
    expect(decideRange('bytes=0-0', 100)).toEqual({ kind: 'partial', range: { start: 0, end: 0 } });
    expect(decideRange('bytes=0-9007199254740992', 100)).toEqual({
      kind: 'partial',
      range: { start: 0, end: 99 },
    });
  });

  it('serves an open range to the end and a suffix range of the last bytes', () => {
    expect(decideRange('bytes=50-', 100)).toEqual({ kind: 'partial', range: { start: 50, end: 99 } });
    expect(decideRange('bytes=-10', 100)).toEqual({ kind: 'partial', range: { start: 90, end: 99 } });
    expect(decideRange('bytes=-500', 100)).toEqual({ kind: 'partial', range: { start: 0, end: 99 } });
  });

  it('reports a range starting past the end as unsatisfiable', () => {
    expect(decideRange('bytes=100-', 100)).toEqual({ kind: 'unsatisfiable' });
    expect(decideRange('bytes=-0', 100)).toEqual({ kind: 'unsatisfiable' });
    expect(decideRange('bytes=0-', 0)).toEqual({ kind: 'unsatisfiable' });
  });

  it('serves the whole resource for absent, multiple, foreign-unit or malformed ranges', () => {
    for (const header of [
      null,
      'bytes=0-1,5-6',
      'items=0-1',
      'bytes=abc',
      'bytes=5-2',
      'bytes=-',
      'bytes=1-2-3',
    ]) {
      expect(decideRange(header, 100)).toEqual({ kind: 'full' });
    }
  });

  it('serves an empty resource whole for a non-zero suffix range', () => {
    expect(decideRange('bytes=-5', 0)).toEqual({ kind: 'full' });
  });
});

// RFC 9110 §14.1.2 (byte ranges) and §14.2 (Range), as properties over any header and size.
const size = fc.nat({ max: 1_000_000 });
const position = fc.oneof(fc.nat({ max: 2_000_000 }), fc.constant(Number.MAX_SAFE_INTEGER));

describe('decideRange against RFC 9110', () => {
  it('never throws, and any partial range lies within the resource', () => {
    fc.assert(
      fc.property(
        fc.option(
          fc.oneof(
            fc.string(),
            fc.string().map((s) => `bytes=${s}`),
          ),
        ),
        size,
        (header, n) => {
          const decision = decideRange(header, n);
          if (decision.kind === 'partial') {
            const { start, end } = decision.range;
            expect(Number.isInteger(start) && Number.isInteger(end)).toBe(true);
            expect(0 <= start && start <= end && end < n).toBe(true);
          }
        },
      ),
    );
  });

  it('serves first-pos…min(last-pos, size-1) when first-pos < size, 416 when first-pos ≥ size', () => {
    fc.assert(
      fc.property(position, position, size, (a, b, n) => {
        const [first, last] = a <= b ? [a, b] : [b, a];
        const decision = decideRange(`bytes=${first}-${last}`, n);
        if (first >= n) expect(decision).toEqual({ kind: 'unsatisfiable' });
        else
          expect(decision).toEqual({ kind: 'partial', range: { start: first, end: Math.min(last, n - 1) } });
      }),
    );
  });

  it('ignores a range whose last-pos is below its first-pos (invalid → whole representation)', () => {
    fc.assert(
      fc.property(position, position, size, (a, b, n) => {
        fc.pre(a !== b);
        expect(decideRange(`bytes=${Math.max(a, b)}-${Math.min(a, b)}`, n)).toEqual({ kind: 'full' });
      }),
    );
  });

  it('serves first-pos to the end for an open range', () => {
    fc.assert(
      fc.property(position, size, (first, n) => {
        const decision = decideRange(`bytes=${first}-`, n);
        expect(decision).toEqual(
          first >= n ? { kind: 'unsatisfiable' } : { kind: 'partial', range: { start: first, end: n - 1 } },
        );
      }),
    );
  });

  it('serves the last min(suffix, size) bytes for a suffix range; -0 is unsatisfiable', () => {
    fc.assert(
      fc.property(position, size, (suffix, n) => {
        const decision = decideRange(`bytes=-${suffix}`, n);
        if (suffix === 0 || n === 0) {
          expect(decision).toEqual({ kind: suffix === 0 ? 'unsatisfiable' : 'full' });
          return;
        }
        expect(decision.kind).toBe('partial');
        if (decision.kind !== 'partial') return;
        expect(decision.range.end).toBe(n - 1);
        expect(decision.range.end - decision.range.start + 1).toBe(Math.min(suffix, n));
      }),
    );
  });

  it('clamps a last-pos of any number of digits to the end', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[1-9][0-9]{15,400}$/),
        fc.integer({ min: 1, max: 1_000_000 }),
        (digits, n) => {
          expect(decideRange(`bytes=0-${digits}`, n)).toEqual({
            kind: 'partial',
            range: { start: 0, end: n - 1 },
          });
          expect(decideRange(`bytes=${digits}-`, n)).toEqual({ kind: 'unsatisfiable' });
        },
      ),
    );
  });

  it('treats the unit case-insensitively and serves several ranges whole', () => {
    fc.assert(
      fc.property(
        fc.mixedCase(fc.constant('bytes')),
        fc.array(fc.tuple(fc.nat(1000), fc.nat(1000)), { minLength: 2, maxLength: 5 }),
        (unit, specs) => {
          expect(decideRange(`${unit}=0-0`, 10)).toEqual({ kind: 'partial', range: { start: 0, end: 0 } });
          const header = `${unit}=${specs.map(([a, b]) => `${a}-${a + b}`).join(',')}`;
          expect(decideRange(header, 500)).toEqual({ kind: 'full' });
        },
      ),
    );
  });
});
