import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { openDatabase, type OpenDatabase } from './open.ts';
import { startWalCheckpointer, type WalCheckpointer } from './wal-checkpointer.ts';

const migrations = path.join(import.meta.dirname, 'migrations');
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function freshDatabase(): { database: OpenDatabase; file: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'ferry-wal-'));
  const file = path.join(dir, 'ferry.db');
  const database = openDatabase(file, migrations);
  cleanups.push(
    () => rmSync(dir, { recursive: true, force: true }),
    () => database.close(),
  );
  return { database, file };
}

const autoCheckpoint = (database: OpenDatabase) =>
  database.sqlite.pragma('wal_autocheckpoint', { simple: true }) as number;

describe('startWalCheckpointer', () => {
  it('copies committed pages into the database file from its worker, while commits no longer checkpoint', async () => {
    const { database, file } = freshDatabase();
    const checkpointer: WalCheckpointer = startWalCheckpointer(database.sqlite, file, { intervalMs: 20 });
    cleanups.push(() => checkpointer.stop());
    expect(autoCheckpoint(database)).toBe(0);
    const before = statSync(file).size;
    const { sqlite } = database;
    sqlite.exec('CREATE TABLE filler (body BLOB NOT NULL)');
    const insert = sqlite.prepare('INSERT INTO filler (body) VALUES (?)');
    // 4 MiB in 64 commits: past SQLite's own 1,000-page checkpoint, which the connection no longer runs.
    for (let i = 0; i < 64; i++) sqlite.transaction(() => insert.run(Buffer.alloc(64 * 1024, i)))();
    await vi.waitFor(() => expect(statSync(file).size).toBeGreaterThan(before + 4 * 1024 * 1024), {
      timeout: 20_000,
      interval: 50,
    });
    expect(sqlite.prepare('SELECT count(*) FROM filler').pluck().get()).toBe(64);
    await checkpointer.stop();
    expect(autoCheckpoint(database)).toBe(1000);
  });

  it('gives checkpoints back to the connection when its worker fails', async () => {
    const { database, file } = freshDatabase();
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    cleanups.push(() => logged.mockRestore());
    // The worker opens only an existing file: this one is not there.
    const checkpointer = startWalCheckpointer(database.sqlite, `${file}.missing`);
    cleanups.push(() => checkpointer.stop());
    expect(autoCheckpoint(database)).toBe(0);
    await vi.waitFor(() => expect(autoCheckpoint(database)).toBe(1000), { timeout: 20_000, interval: 20 });
    expect(logged).toHaveBeenCalledWith(
      expect.stringContaining('WAL checkpointer stopped'),
      expect.objectContaining({ code: 'SQLITE_CANTOPEN' }),
    );
  });
});
