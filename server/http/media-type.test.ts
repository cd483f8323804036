import { describe, expect, it } from 'vitest';
import { mediaTypeOf } from './media-type.ts';

describe('mediaTypeOf', () => {
  it('drops parameters and case, and gives an empty string for an absent header', () => {
    expect(mediaTypeOf('Application/JSON; charset=utf-8')).toBe('application/json');
    expect(mediaTypeOf(' text/plain ')).toBe('text/plain');
    expect(mediaTypeOf(null)).toBe('');
    expect(mediaTypeOf(undefined)).toBe('');
  });

  it('answers each header for itself when headers alternate (the last one is remembered)', () => {
    const headers = ['text/plain', 'Application/JSON; charset=utf-8', 'text/plain', null, 'text/plain'];
    expect(headers.map(mediaTypeOf)).toEqual([
      'text/plain',
      'application/json',
      'text/plain',
      '',
      'text/plain',
    ]);
  });
});
