import { describe, expect, it } from 'vitest';
import { clientAddressOf } from './client-address.ts';

describe('clientAddressOf', () => {
  it('uses the socket peer and ignores X-Forwarded-For from an untrusted peer', () => {
    expect(clientAddressOf('203.0.113.9', '198.51.100.1', [])).toBe('203.0.113.9');
    expect(clientAddressOf('203.0.113.9', '198.51.100.1', ['10.0.0.1'])).toBe('203.0.113.9');
  });

  it('takes the nearest untrusted hop behind trusted proxies, never a client-written one further left', () => {
    expect(clientAddressOf('10.0.0.1', '198.51.100.1', ['10.0.0.1'])).toBe('198.51.100.1');
    // The client wrote 1.2.3.4 itself; the proxy appended the address it saw.
    expect(clientAddressOf('10.0.0.1', '1.2.3.4, 198.51.100.1', ['10.0.0.1'])).toBe('198.51.100.1');
    expect(clientAddressOf('10.0.0.1', '1.2.3.4, 198.51.100.1, 10.0.0.2', ['10.0.0.1', '10.0.0.2'])).toBe(
      '198.51.100.1',
    );
  });

  it('treats IPv4-mapped IPv6 peers as their IPv4 address', () => {
    expect(clientAddressOf('::ffff:10.0.0.1', '198.51.100.1', ['10.0.0.1'])).toBe('198.51.100.1');
    expect(clientAddressOf('::ffff:127.0.0.1', null, [])).toBe('127.0.0.1');
  });

  it('keeps the trusted peer when the header is missing or empty', () => {
    expect(clientAddressOf('10.0.0.1', null, ['10.0.0.1'])).toBe('10.0.0.1');
    expect(clientAddressOf('10.0.0.1', ' , ', ['10.0.0.1'])).toBe('10.0.0.1');
  });
});
