import { and, asc, eq, sql } from 'drizzle-orm';
import type { FerryQueryable } from '../db/open.ts';
import { preparedPerHandle } from '../db/prepared.ts';
import { blobs, models, versions } from '../db/schema.ts';

function prepare(db: FerryQueryable) {
  const name = sql.placeholder('name');
  return {
    /** Every version of every model with its model's fields, by model name. */
    modelList: db
      .select({
        name: models.name,
        task: models.task,
        description: models.description,
        version: versions.version,
        status: versions.status,
        publishedAt: versions.publishedAt,
        metadataVersion: versions.metadataVersion,
        size: versions.size,
      })
      .from(models)
      .innerJoin(versions, eq(versions.modelId, models.id))
      .orderBy(asc(models.name))
      .prepare(),
    /** One version of a model by exact semver: its signed manifest and what a status change needs. */
    version: db
      .select({
        id: versions.id,
        version: versions.version,
        status: versions.status,
        body: versions.envelope,
        sha256: versions.envelopeSha256,
      })
      .from(versions)
      .innerJoin(models, eq(models.id, versions.modelId))
      .where(and(eq(models.name, name), eq(versions.version, sql.placeholder('version'))))
      .prepare(),
    candidates: db
      .select({ version: versions.version, status: versions.status })
      .from(versions)
      .innerJoin(models, eq(models.id, versions.modelId))
      .where(eq(models.name, name))
      .prepare(),
    model: db.select({ id: models.id }).from(models).where(eq(models.name, name)).prepare(),
    blobSize: db
      .select({ size: blobs.size })
      .from(blobs)
      .where(eq(blobs.sha256, sql.placeholder('sha256')))
      .prepare(),
  };
}

/**
 * The read queries of the hot registry paths for `db`, prepared on first use and then reused. A
 * transaction handle gets its own set, compiled once per transaction, so a helper given one runs
 * inside its caller's transaction.
 */
export const registryQueries = preparedPerHandle(prepare);
