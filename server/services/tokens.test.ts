import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { apiTokens } from '../db/schema.ts';
import { createTempDeps, type TempDeps } from '../testing/temp-deps.ts';
import { authorize, lazyActor } from './authorize.ts';
import { systemActor } from './deps.ts';
import {
  authenticate,
  createToken,
  ensureBootstrapToken,
  listTokens,
  revokeToken,
  setLastUsedInterval,
} from './tokens.ts';

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

describe('lastUsedAt', () => {
  const start = Date.parse('2026-12-01T10:00:00.000Z');
  const lastUsed = () => listTokens(deps.db)[0]?.lastUsedAt;

  it('is written on first use, then at most once a minute per token', () => {
    const { token } = createToken(deps.db, { name: 'ci', scopes: ['publish'] }, systemActor);
    expect(lastUsed()).toBeNull();
    authenticate(deps.db, token, start);
    expect(lastUsed()).toBe('2026-12-01T10:00:00.000Z');
    for (const later of [1, 30_000, 59_999]) authenticate(deps.db, token, start + later);
    expect(lastUsed()).toBe('2026-12-01T10:00:00.000Z');
    authenticate(deps.db, token, start + 60_000);
    expect(lastUsed()).toBe('2026-12-01T10:01:00.000Z');
  });

  it('is throttled per token: the use of another token is still recorded', () => {
    const a = createToken(deps.db, { name: 'a', scopes: ['publish'] }, systemActor);
    const b = createToken(deps.db, { name: 'b', scopes: ['publish'] }, systemActor);
    authenticate(deps.db, a.token, start);
    authenticate(deps.db, b.token, start + 1_000);
    const byName = Object.fromEntries(listTokens(deps.db).map((t) => [t.name, t.lastUsedAt]));
    expect(byName).toEqual({ a: '2026-12-01T10:00:00.000Z', b: '2026-12-01T10:00:01.000Z' });
  });

  it('is written on every use with an interval of 0, and at the interval set for the handle', () => {
    const { token } = createToken(deps.db, { name: 'ci', scopes: ['publish'] }, systemActor);
    setLastUsedInterval(deps.db, 0);
    authenticate(deps.db, token, start);
    authenticate(deps.db, token, start + 1);
    expect(lastUsed()).toBe('2026-12-01T10:00:00.001Z');
    setLastUsedInterval(deps.db, 5_000);
    authenticate(deps.db, token, start + 4_000);
    expect(lastUsed()).toBe('2026-12-01T10:00:00.001Z');
    authenticate(deps.db, token, start + 5_001);
    expect(lastUsed()).toBe('2026-12-01T10:00:05.001Z');
  });

  it('is written again when the clock went back behind the stored time', () => {
    const { token } = createToken(deps.db, { name: 'ci', scopes: ['publish'] }, systemActor);
    authenticate(deps.db, token, start);
    authenticate(deps.db, token, start - 1_000);
    expect(lastUsed()).toBe('2026-12-01T09:59:59.000Z');
  });
});

describe('lazyActor', () => {
  it('looks the token up on the first call only and returns the same actor after', () => {
    setLastUsedInterval(deps.db, 0);
    const { token } = createToken(deps.db, { name: 'ci', scopes: ['publish'] }, systemActor);
    const resolve = lazyActor(deps.db, `Bearer ${token}`);
    expect(lastUsedAtOf(deps)).toBeNull();
    const first = resolve();
    const touched = lastUsedAtOf(deps);
    expect(touched).not.toBeNull();
    // With an interval of 0 any further lookup would write again: none happens.
    deps.db.update(apiTokens).set({ lastUsedAt: null }).run();
    expect(resolve()).toBe(first);
    expect(lastUsedAtOf(deps)).toBeNull();
  });

  it('remembers a failure and throws the same error on every call', () => {
    const resolve = lazyActor(deps.db, 'Bearer ferry_nope');
    let first: unknown;
    try {
      resolve();
    } catch (error) {
      first = error;
    }
    expect(first).toMatchObject({ code: 'UNAUTHENTICATED' });
    expect(() => resolve()).toThrow(first as Error);
  });
});

function lastUsedAtOf(d: TempDeps): string | null | undefined {
  return d.db.select().from(apiTokens).all()[0]?.lastUsedAt;
}
