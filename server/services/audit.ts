import { desc, lt } from 'drizzle-orm';
import type { FerryDb, FerryQueryable } from '../db/open.ts';
import { auditLog } from '../db/schema.ts';
import type { Actor } from './deps.ts';

/** One audit entry as listed. */
export interface AuditEntry {
  id: number;
  at: string;
  actor: string;
  actorTokenId: number | null;
  action: string;
  target: string;
  details: Record<string, unknown>;
}

/** The details of one audited action. */
export interface AuditEvent {
  action: string;
  target: string;
  details?: Record<string, unknown>;
}

/** Appends an entry; call inside the transaction of the change it records so both commit together. */
export function recordAudit(db: FerryQueryable, actor: Actor, event: AuditEvent): void {
  db.insert(auditLog)
    .values({
      actor: actor.name,
      actorTokenId: actor.tokenId,
      action: event.action,
      target: event.target,
      details: JSON.stringify(event.details ?? {}),
    })
    .run();
}

/** Newest entries first; `before` (an entry id) pages further back. */
export function listAudit(db: FerryDb, options: { limit: number; before?: number }): AuditEntry[] {
  const rows = db
    .select()
    .from(auditLog)
    .where(options.before === undefined ? undefined : lt(auditLog.id, options.before))
    .orderBy(desc(auditLog.id))
    .limit(options.limit)
    .all();
  return rows.map((row) => ({ ...row, details: JSON.parse(row.details) as Record<string, unknown> }));
}
