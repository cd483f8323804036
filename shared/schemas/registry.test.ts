import { describe, expect, it } from 'vitest';
import { scopeGrants } from './registry.ts';

describe('scopeGrants', () => {
  it('grants each scope to a token that holds it', () => {
    for (const scope of ['publish', 'admin', 'read', 'operator', 'metrics'] as const) {
      expect(scopeGrants([scope], scope)).toBe(true);
    }
  });

  it('lets admin act where read or operator is required, and nothing else', () => {
    expect(scopeGrants(['admin'], 'read')).toBe(true);
    expect(scopeGrants(['admin'], 'operator')).toBe(true);
    expect(scopeGrants(['admin'], 'publish')).toBe(false);
    expect(scopeGrants(['admin'], 'metrics')).toBe(false);
  });

  it('grants nothing upwards: read, publish and metrics do not imply admin or each other', () => {
    expect(scopeGrants(['read'], 'admin')).toBe(false);
    expect(scopeGrants(['operator'], 'admin')).toBe(false);
    expect(scopeGrants(['read'], 'operator')).toBe(false);
    expect(scopeGrants(['read', 'metrics'], 'publish')).toBe(false);
    expect(scopeGrants(['publish'], 'read')).toBe(false);
    expect(scopeGrants([], 'read')).toBe(false);
  });
});
