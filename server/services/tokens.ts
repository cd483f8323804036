import { createHash, randomBytes } from 'node:crypto';
import { count, eq, sql } from 'drizzle-orm';
import { ErrorCode, FerryError, TokenScope, type TokenInfo } from '$shared';
import type { FerryDb } from '../db/open.ts';
import { preparedPerHandle } from '../db/prepared.ts';
import { apiTokens } from '../db/schema.ts';
import { recordAudit } from './audit.ts';
import type { Actor } from './deps.ts';
import { writeTransaction } from '../db/write-transaction.ts';

const PREFIX = 'ferry_';

function hashOf(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

function scopesOf(text: string): TokenScope[] {
  return text.split(',').filter((s): s is TokenScope => TokenScope.safeParse(s).success);
}

/** A newly created token: the secret appears here once and is stored only as its sha256. */
export interface CreatedToken extends TokenInfo {
  token: string;
}

/** Creates a token with 256 random bits, e.g. `ferry_3q2…`; records who created it. */
export function createToken(
  db: FerryDb,
  input: { name: string; scopes: readonly TokenScope[] },
  actor: Actor,
): CreatedToken {
  const token = `${PREFIX}${randomBytes(32).toString('base64url')}`;
  const scopes = [...new Set(input.scopes)].sort();
  return writeTransaction(db, (tx) => {
    const row = tx
      .insert(apiTokens)
      .values({
        name: input.name,
        prefix: token.slice(0, PREFIX.length + 6),
        hash: hashOf(token),
        scopes: scopes.join(','),
        createdBy: actor.tokenId,
      })
      .returning()
      .get();
    recordAudit(tx, actor, {
      action: 'token.create',
      target: `token:${row.id}`,
      details: { name: input.name, scopes },
    });
    return { ...toInfo(row), token };
  });
}

function toInfo(row: typeof apiTokens.$inferSelect): TokenInfo {
  const { id, name, prefix, createdAt, lastUsedAt, revokedAt } = row;
  return { id, name, prefix, scopes: scopesOf(row.scopes), createdAt, lastUsedAt, revokedAt };
}

// Every authenticated request runs these two: compiled once per database handle.
const authQueries = preparedPerHandle((db: FerryDb) => ({
  byHash: db
    .select()
    .from(apiTokens)
    .where(eq(apiTokens.hash, sql.placeholder('hash')))
    .prepare(),
  touch: db
    .update(apiTokens)
    .set({ lastUsedAt: sql`${sql.placeholder('lastUsedAt')}` })
    .where(eq(apiTokens.id, sql.placeholder('id')))
    .prepare(),
}));

/** How often, at most, a token's `lastUsedAt` is written when nothing else is set. */
export const DEFAULT_LAST_USED_INTERVAL_MS = 60_000;

const lastUsedIntervals = new WeakMap<FerryDb, number>();

/**
 * Sets how often, at most, {@link authenticate} writes a token's `lastUsedAt` on this database
 * handle: once per `intervalMs` per token (0: on every use). One minute by default.
 */
export function setLastUsedInterval(db: FerryDb, intervalMs: number): void {
  lastUsedIntervals.set(db, intervalMs);
}

// The row just read carries the last write, so the throttle needs no state of its own: it holds
// across restarts and processes, and costs nothing per token. A clock that went back also writes.
function lastUsedIsStale(lastUsedAt: string | null, now: number, intervalMs: number): boolean {
  if (lastUsedAt === null) return true;
  const last = Date.parse(lastUsedAt);
  return !(now - last < intervalMs && now >= last);
}

/**
 * The actor a bearer secret stands for. Throws `UNAUTHENTICATED` for unknown or revoked tokens.
 * Records the use in `lastUsedAt` at most once per interval ({@link setLastUsedInterval}), so a
 * burst of calls costs one lookup each and no write.
 */
export function authenticate(db: FerryDb, secret: string, now = Date.now()): Actor {
  const queries = authQueries(db);
  const row = queries.byHash.get({ hash: hashOf(secret) });
  if (!row || row.revokedAt !== null) {
    throw new FerryError(ErrorCode.UNAUTHENTICATED, 'Authorization: unknown or revoked API token');
  }
  const interval = lastUsedIntervals.get(db) ?? DEFAULT_LAST_USED_INTERVAL_MS;
  if (lastUsedIsStale(row.lastUsedAt, now, interval)) {
    queries.touch.run({ lastUsedAt: new Date(now).toISOString(), id: row.id });
  }
  return { tokenId: row.id, name: row.name, scopes: scopesOf(row.scopes) };
}

/** Every token, newest first, without secrets. */
export function listTokens(db: FerryDb): TokenInfo[] {
  return db.select().from(apiTokens).all().map(toInfo).reverse();
}

/** Revokes a token; idempotent. Throws `INVALID_INPUT` naming the id when there is no such token. */
export function revokeToken(db: FerryDb, id: number, actor: Actor): TokenInfo {
  return writeTransaction(db, (tx) => {
    const row = tx.select().from(apiTokens).where(eq(apiTokens.id, id)).get();
    if (!row) throw new FerryError(ErrorCode.INVALID_INPUT, `id: no token with id ${id}`);
    if (row.revokedAt !== null) return toInfo(row);
    const updated = tx
      .update(apiTokens)
      .set({ revokedAt: new Date().toISOString() })
      .where(eq(apiTokens.id, id))
      .returning()
      .get();
    recordAudit(tx, actor, { action: 'token.revoke', target: `token:${id}` });
    return toInfo(updated);
  });
}

/** On an empty token table, creates the first admin token (both scopes) and returns its secret. */
export function ensureBootstrapToken(db: FerryDb, actor: Actor): CreatedToken | null {
  const existing = db.select({ n: count() }).from(apiTokens).get()?.n ?? 0;
  if (existing > 0) return null;
  return createToken(db, { name: 'bootstrap admin', scopes: ['admin', 'publish'] }, actor);
}
