import { describe, expect, it } from 'vitest';
import { isCrossSiteForm } from './csrf.ts';

const post = { method: 'POST', pathname: '/api/v1/uploads/x', host: '127.0.0.1:3000' };

describe('isCrossSiteForm', () => {
  it('refuses a form content type from another origin, or without an Origin, on unsafe methods', () => {
    for (const contentType of [
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'TEXT/PLAIN',
    ]) {
      expect(isCrossSiteForm({ ...post, contentType, origin: 'https://evil.example' }), contentType).toBe(
        true,
      );
      expect(isCrossSiteForm({ ...post, contentType, origin: null }), contentType).toBe(true);
      expect(isCrossSiteForm({ ...post, method: 'PUT', contentType, origin: 'null' }), contentType).toBe(
        true,
      );
    }
  });

  it('lets same-origin forms, non-form content types and safe methods through', () => {
    expect(isCrossSiteForm({ ...post, contentType: 'text/plain', origin: 'http://127.0.0.1:3000' })).toBe(
      false,
    );
    expect(isCrossSiteForm({ ...post, contentType: 'text/plain', origin: 'https://127.0.0.1:3000' })).toBe(
      false,
    );
    expect(
      isCrossSiteForm({ ...post, contentType: 'application/json', origin: 'https://evil.example' }),
    ).toBe(false);
    expect(isCrossSiteForm({ ...post, method: 'GET', contentType: 'text/plain', origin: null })).toBe(false);
  });

  it('exempts the paths it is given (sendBeacon telemetry posts text/plain cross-site)', () => {
    const beacon = {
      ...post,
      pathname: '/api/v1/telemetry',
      contentType: 'text/plain',
      origin: 'https://app.example',
    };
    expect(isCrossSiteForm(beacon)).toBe(false);
    expect(isCrossSiteForm(beacon, [])).toBe(true);
  });
});
