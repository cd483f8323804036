import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { telemetryBatch } from '../testing/telemetry-batch.ts';
import { aggregateOf } from '../telemetry/aggregate.ts';
import { createSqliteTelemetryStore } from '../telemetry/sqlite-store.ts';
import { openDatabase } from './open.ts';

const migrations = path.join(import.meta.dirname, 'migrations');
const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'ferry-migrate-'));
  dirs.push(dir);
  return dir;
}

/** A copy of the committed migrations holding only the first `count`, as an older release had them. */
function firstMigrations(count: number): string {
  const dir = path.join(tempDir(), 'migrations');
  cpSync(migrations, dir, { recursive: true });
  const journalFile = path.join(dir, 'meta', '_journal.json');
  const journal = JSON.parse(readFileSync(journalFile, 'utf8')) as { entries: unknown[] };
  journal.entries = journal.entries.slice(0, count);
  writeFileSync(journalFile, JSON.stringify(journal));
  return dir;
}

const IDS = ['0123456789abcdef0123456789abcdef', 'ffffffffffffffffffffffffffffff00'];
const RECEIVED = ['2026-12-01T10:00:30.123Z', '2026-12-02T23:59:59.999Z'];

describe('migration 0003 (compact telemetry_batches)', () => {
  it('keeps every batch id of an older database, as 16 bytes received at the same millisecond', async () => {
    const file = path.join(tempDir(), 'ferry.db');
    const old = openDatabase(file, firstMigrations(3));
    old.sqlite.exec("INSERT INTO models (name, task, description) VALUES ('tiny', 'custom', '')");
    const versionId = old.sqlite
      .prepare(
        "INSERT INTO versions (model_id, version, status, published_at, metadata_version, size, envelope, envelope_sha256) VALUES (1, '1.0.0', 'published', '2026-12-01T00:00:00.000Z', 1, 1, '{}', 'x') RETURNING id",
      )
      .pluck()
      .get() as number;
    const insert = old.sqlite.prepare('INSERT INTO telemetry_batches VALUES (?, ?, ?)');
    IDS.forEach((id, i) => insert.run(id, versionId, RECEIVED[i]));
    old.close();

    const migrated = openDatabase(file, migrations);
    try {
      const rows = migrated.sqlite
        .prepare(
          'SELECT lower(hex(batch_id)) AS id, version_id, received_at FROM telemetry_batches ORDER BY 1',
        )
        .all();
      expect(rows).toEqual(
        IDS.map((id, i) => ({ id, version_id: versionId, received_at: Date.parse(RECEIVED[i] as string) })),
      );
      const table = migrated.sqlite
        .prepare("SELECT sql FROM sqlite_master WHERE name = 'telemetry_batches'")
        .pluck()
        .get() as string;
      expect(table).toMatch(/WITHOUT ROWID$/);

      // The ids still refuse their replays, and prune by the converted times.
      const store = createSqliteTelemetryStore(migrated.db);
      const replay = await store.ingest({
        batchId: IDS[0] as string,
        versionId,
        minute: '2026-12-01T10:00:00.000Z',
        aggregate: aggregateOf(telemetryBatch({ runs: 1 })),
        receivedAt: new Date('2026-12-03T00:00:00.000Z'),
      });
      expect(replay).toBe('duplicate');
      expect(await store.pruneBatchIds(new Date(Date.parse(RECEIVED[1] as string)))).toBe(1);
      expect(await store.pruneBatchIds(new Date(Date.parse(RECEIVED[1] as string) + 1))).toBe(1);
    } finally {
      migrated.close();
    }
  });
});
