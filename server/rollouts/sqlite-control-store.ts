import { and, asc, eq, isNull, lt, sql } from 'drizzle-orm';
import { ControlDocument, Rollout, SemVer } from '$shared';
import type { FerryQueryable } from '../db/open.ts';
import { preparedPerHandle } from '../db/prepared.ts';
import { controls, models, versions } from '../db/schema.ts';
import type { ControlRecord, ControlStore, StoredControl } from './control-store.ts';

function prepare(db: FerryQueryable) {
  const name = sql.placeholder('name');
  return {
    current: db
      .select({
        metadataVersion: controls.metadataVersion,
        body: controls.envelope,
        sha256: controls.envelopeSha256,
      })
      .from(controls)
      .innerJoin(models, eq(models.id, controls.modelId))
      .where(eq(models.name, name))
      .prepare(),
    modelId: db.select({ id: models.id }).from(models).where(eq(models.name, name)).prepare(),
    load: db
      .select()
      .from(controls)
      .innerJoin(models, eq(models.id, controls.modelId))
      .where(eq(models.name, name))
      .prepare(),
    expiring: db
      .select({ name: models.name })
      .from(controls)
      .innerJoin(models, eq(models.id, controls.modelId))
      .where(lt(controls.expires, sql.placeholder('before')))
      .orderBy(asc(controls.expires))
      .prepare(),
    unsigned: db
      .selectDistinct({ name: models.name })
      .from(models)
      .innerJoin(versions, eq(versions.modelId, models.id))
      .leftJoin(controls, eq(controls.modelId, models.id))
      .where(and(isNull(controls.modelId)))
      .orderBy(asc(models.name))
      .prepare(),
  };
}

const queries = preparedPerHandle(prepare);

const BlockedList = SemVer.array();

/**
 * The SQLite {@link ControlStore} over `db`, which may be a transaction: then every read and
 * write happens inside it. Stored JSON is parsed with the shared schemas, so a corrupt row throws
 * rather than being served.
 */
export function createSqliteControlStore(db: FerryQueryable): ControlStore {
  const q = queries(db);
  return {
    current(names) {
      const found: StoredControl[] = [];
      for (const model of names) {
        const row = q.current.get({ name: model });
        if (row) found.push({ model, ...row });
      }
      return found;
    },
    modelId: (name) => q.modelId.get({ name })?.id ?? null,
    load(name): ControlRecord | null {
      const row = q.load.get({ name });
      if (!row) return null;
      const { controls: c } = row;
      const envelope = JSON.parse(c.envelope) as { signed: unknown };
      return {
        modelId: c.modelId,
        state: {
          pinnedStable: c.pinnedStable,
          rollout: c.rollout === null ? null : Rollout.parse(JSON.parse(c.rollout)),
          blocked: BlockedList.parse(JSON.parse(c.blocked)),
        },
        document: ControlDocument.parse(envelope.signed),
      };
    },
    save(write) {
      const values = {
        pinnedStable: write.state.pinnedStable,
        rollout: write.state.rollout === null ? null : JSON.stringify(write.state.rollout),
        blocked: JSON.stringify(write.state.blocked),
        metadataVersion: write.metadataVersion,
        expires: write.expires,
        envelope: write.envelope,
        envelopeSha256: write.envelopeSha256,
      };
      db.insert(controls)
        .values({ modelId: write.modelId, ...values })
        .onConflictDoUpdate({ target: controls.modelId, set: values })
        .run();
    },
    expiringBefore: (before) => q.expiring.all({ before }).map((row) => row.name),
    unsigned: () => q.unsigned.all().map((row) => row.name),
  };
}
