import { ErrorCode, FerryError, scopeGrants, type TokenScope } from '$shared';
import type { FerryDb } from '../db/open.ts';
import type { Actor } from './deps.ts';
import { authenticate } from './tokens.ts';

/**
 * The actor behind an `Authorization: Bearer <token>` header, who must hold `scope`. Throws
 * `UNAUTHENTICATED` (no, malformed, unknown or revoked token) or `FORBIDDEN` (scope missing;
 * `admin` counts as `read`).
 */
export function authorize(db: FerryDb, header: string | null, scope: TokenScope): Actor {
  const match = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  if (!match?.[1]) {
    throw new FerryError(ErrorCode.UNAUTHENTICATED, 'Authorization: a Bearer API token is required');
  }
  const actor = authenticate(db, match[1]);
  if (!scopeGrants(actor.scopes, scope)) {
    throw new FerryError(
      ErrorCode.FORBIDDEN,
      `Authorization: token "${actor.name}" lacks the "${scope}" scope`,
    );
  }
  return actor;
}
