import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from './open.ts';

const migrations = path.join(import.meta.dirname, 'migrations');
const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('openDatabase', () => {
  it('creates every table in WAL mode and can be reopened without migrating twice', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ferry-db-'));
    dirs.push(dir);
    const file = path.join(dir, 'ferry.db');
    const first = openDatabase(file, migrations);
    expect(first.sqlite.pragma('journal_mode', { simple: true })).toBe('wal');
    first.close();
    const again = openDatabase(file, migrations);
    const tables = again.sqlite
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_\\_%' ESCAPE '\\'")
      .pluck()
      .all();
    expect(tables).toEqual(
      expect.arrayContaining([
        'models',
        'versions',
        'version_files',
        'blobs',
        'api_tokens',
        'audit_log',
        'meta',
      ]),
    );
    again.close();
  });
});
