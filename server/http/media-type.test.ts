import { describe, expect, it } from 'vitest';
import { mediaTypeOf } from './media-type.ts';

describe('mediaTypeOf', () => {
  it('drops parameters and case, and gives an empty string for an absent header', () => {
    expect(mediaTypeOf('Application/JSON; charset=utf-8')).toBe('application/json');
    expect(mediaTypeOf(' text/plain ')).toBe('text/plain');
    expect(mediaTypeOf(null)).toBe('');
    expect(mediaTypeOf(undefined)).toBe('');
  });
});
