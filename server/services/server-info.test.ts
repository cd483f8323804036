import semver from 'semver';
import { describe, expect, it } from 'vitest';
import { supportedClients } from './server-info.ts';

describe('supportedClients', () => {
  it('covers every client from the first release up to the server’s own minor', () => {
    expect(supportedClients('0.1.0')).toBe('>=0.1.0 <0.2.0');
    expect(supportedClients('1.4.2')).toBe('>=0.1.0 <1.5.0');
    expect(semver.satisfies('0.1.0', supportedClients('0.1.3'))).toBe(true);
    expect(semver.satisfies('0.2.0', supportedClients('0.1.3'))).toBe(false);
  });

  it('throws for a server version that is not semver', () => {
    expect(() => supportedClients('dev')).toThrow(/not semver/);
  });
});
