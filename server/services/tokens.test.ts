import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { apiTokens } from '../db/schema.ts';
import { createTempDeps, type TempDeps } from '../testing/temp-deps.ts';
import { authorize } from './authorize.ts';
import { systemActor } from './deps.ts';
import { createToken, ensureBootstrapToken, listTokens, revokeToken } from './tokens.ts';

let deps: TempDeps;
beforeEach(() => {
  deps = createTempDeps();
});
afterEach(() => deps.dispose());

describe('API tokens', () => {
  it('stores only the sha256 of a 256-bit ferry_ secret', () => {
    const created = createToken(deps.db, { name: 'ci', scopes: ['publish'] }, systemActor);
    expect(created.token).toMatch(/^ferry_[A-Za-z0-9_-]{43}$/);
    const [row] = deps.db.select().from(apiTokens).all();
    expect(row?.hash).toBe(createHash('sha256').update(created.token).digest('hex'));
    expect(JSON.stringify(row)).not.toContain(created.token.slice(6));
  });

  it('authorizes a token for its scopes only: 401 without or with an unknown token, 403 without the scope', () => {
    const { token } = createToken(deps.db, { name: 'ci', scopes: ['publish'] }, systemActor);
    expect(authorize(deps.db, `Bearer ${token}`, 'publish')).toMatchObject({
      name: 'ci',
      scopes: ['publish'],
    });
    expect(() => authorize(deps.db, null, 'publish')).toThrow(
      expect.objectContaining({ code: 'UNAUTHENTICATED' }),
    );
    expect(() => authorize(deps.db, 'Bearer ferry_nope', 'publish')).toThrow(
      expect.objectContaining({ code: 'UNAUTHENTICATED' }),
    );
    expect(() => authorize(deps.db, `Bearer ${token}`, 'admin')).toThrow(
      expect.objectContaining({ code: 'FORBIDDEN', message: expect.stringContaining('"admin"') }),
    );
  });

  it('refuses a revoked token', () => {
    const created = createToken(deps.db, { name: 'ci', scopes: ['publish'] }, systemActor);
    revokeToken(deps.db, created.id, systemActor);
    expect(() => authorize(deps.db, `Bearer ${created.token}`, 'publish')).toThrow(
      expect.objectContaining({ code: 'UNAUTHENTICATED' }),
    );
    expect(listTokens(deps.db)[0]?.revokedAt).not.toBeNull();
  });

  it('creates one bootstrap admin token with both scopes, only on an empty table', () => {
    const first = ensureBootstrapToken(deps.db, systemActor);
    expect(first?.scopes).toEqual(['admin', 'publish']);
    expect(ensureBootstrapToken(deps.db, systemActor)).toBeNull();
  });
});
