import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isFerryError } from '$shared';
import { parseEventsRequest } from './request.ts';

describe('parseEventsRequest', () => {
  it('reads models=a,b once, de-duplicated in order, and Last-Event-ID as a number', () => {
    expect(parseEventsRequest('models=b,a,b', undefined)).toEqual({ models: ['b', 'a'], after: 0 });
    expect(parseEventsRequest('models=a%2Cb&x=1', ' 17 ')).toEqual({ models: ['a', 'b'], after: 17 });
    expect(parseEventsRequest('models=a', '')).toEqual({ models: ['a'], after: 0 });
  });

  it('refuses each malformed part naming it', () => {
    expect(() => parseEventsRequest('', undefined)).toThrow(/^models: required, as models=a,b/);
    expect(() => parseEventsRequest('models=a&models=b', undefined)).toThrow(/2 times/);
    expect(() => parseEventsRequest('models=a,-b', undefined)).toThrow(/^models: "-b" is not a model name/);
    expect(() => parseEventsRequest('models=%FF', undefined)).toThrow(/^models: the query string/);
    const many = Array.from({ length: 51 }, (_, i) => `m${i}`).join(',');
    expect(() => parseEventsRequest(`models=${many}`, undefined)).toThrow(/^models: at most 50 .*got 51/);
    expect(
      parseEventsRequest(`models=${many.split(',').slice(0, 50).join(',')}`, undefined).models,
    ).toHaveLength(50);
    for (const id of ['-1', '1.5', '1e3', 'x', '9'.repeat(16)]) {
      expect(() => parseEventsRequest('models=a', id)).toThrow(/^Last-Event-ID: /);
    }
  });

  it('answers any query string and header with a request or an INVALID_INPUT error, never anything else', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.option(fc.string()), (query, id) => {
        try {
          const parsed = parseEventsRequest(query, id ?? undefined);
          expect(parsed.models.length).toBeGreaterThan(0);
          expect(parsed.models.length).toBeLessThanOrEqual(50);
        } catch (error) {
          expect(isFerryError(error) && error.code === 'INVALID_INPUT').toBe(true);
        }
      }),
    );
  });
});
