import { ErrorCode, FerryError, scopeGrants, type TokenScope } from '$shared';
import type { FerryDb } from '../db/open.ts';
import type { Actor } from './deps.ts';
import { authenticate } from './tokens.ts';

/**
 * The actor behind an `Authorization: Bearer <token>` header. Throws `UNAUTHENTICATED` for no,
 * a malformed, an unknown or a revoked token.
 */
export function authenticateHeader(db: FerryDb, header: string | null): Actor {
  const match = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  if (!match?.[1]) {
    throw new FerryError(ErrorCode.UNAUTHENTICATED, 'Authorization: a Bearer API token is required');
  }
  return authenticate(db, match[1]);
}

/**
 * `actor` itself when it holds `scope` (`admin` counts as `read`: shared scopeGrants); throws
 * `FORBIDDEN` naming the token and scope otherwise.
 */
export function requireScope(actor: Actor, scope: TokenScope): Actor {
  if (!scopeGrants(actor.scopes, scope)) {
    throw new FerryError(
      ErrorCode.FORBIDDEN,
      `Authorization: token "${actor.name}" lacks the "${scope}" scope`,
    );
  }
  return actor;
}

/**
 * The actor behind an `Authorization` header, who must hold `scope`. Throws `UNAUTHENTICATED`
 * (no, malformed, unknown or revoked token) or `FORBIDDEN` (scope missing).
 */
export function authorize(db: FerryDb, header: string | null, scope: TokenScope): Actor {
  return requireScope(authenticateHeader(db, header), scope);
}

/**
 * A function that resolves `header` to its actor on the first call only: later calls return the
 * same actor or throw the same error, so one HTTP request carrying many calls (a tRPC batch)
 * hashes and looks up its token once. Nothing happens until it is called.
 */
export function lazyActor(db: FerryDb, header: string | null): () => Actor {
  let outcome: { actor: Actor } | { error: unknown } | null = null;
  return () => {
    if (outcome === null) {
      try {
        outcome = { actor: authenticateHeader(db, header) };
      } catch (error) {
        outcome = { error };
      }
    }
    if ('error' in outcome) throw outcome.error;
    return outcome.actor;
  };
}
