import { eq, sql } from 'drizzle-orm';
import type { FerryQueryable } from '../db/open.ts';
import { meta } from '../db/schema.ts';

const KEY = 'metadata_version';

/**
 * The next metadata version: strictly greater than every one handed out before, across
 * restarts. Call inside the transaction that stores the metadata, so a rollback returns it.
 */
export function nextMetadataVersion(db: FerryQueryable): number {
  db.insert(meta)
    .values({ key: KEY, value: 1 })
    .onConflictDoUpdate({ target: meta.key, set: { value: sql`${meta.value} + 1` } })
    .run();
  const row = db.select({ value: meta.value }).from(meta).where(eq(meta.key, KEY)).get();
  if (!row) throw new Error('metadata counter vanished inside its own transaction');
  return row.value;
}
