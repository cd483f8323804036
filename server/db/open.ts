import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import * as schema from './schema.ts';

/** The drizzle handle over Ferry's schema. */
export type FerryDb = BetterSQLite3Database<typeof schema>;

/** An open database: the drizzle handle and the raw connection (for pragmas and closing). */
export interface OpenDatabase {
  db: FerryDb;
  sqlite: Database.Database;
  close(): void;
}

/**
 * Opens (creating if needed) the SQLite file at `file` in WAL mode with foreign keys on, and
 * applies every committed migration from `migrationsDir`. Idempotent across restarts.
 */
export function openDatabase(file: string, migrationsDir: string): OpenDatabase {
  mkdirSync(path.dirname(file), { recursive: true });
  const sqlite = openConnection(file);
  const db = drizzle(sqlite, { schema });
  migrate(db, { migrationsFolder: migrationsDir });
  return { db, sqlite, close: () => sqlite.close() };
}

/**
 * A connection to the SQLite file at `file` with Ferry's pragmas (WAL, synchronous FULL, foreign
 * keys, a 5 s busy timeout), unmigrated: {@link openDatabase}'s, and that of a second connection
 * to a database it opened (the telemetry ingest thread's).
 */
export function openConnection(file: string): Database.Database {
  const sqlite = new Database(file);
  sqlite.pragma('journal_mode = WAL');
  // NORMAL is durable in WAL mode except for the last transactions on power loss, not on a
  // process crash; FULL makes a committed publish survive power loss too, at little cost here.
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  return sqlite;
}

/** The handle a drizzle transaction callback receives. */
export type FerryTx = Parameters<Parameters<FerryDb['transaction']>[0]>[0];

/** Either the database or a transaction on it: for helpers that must run inside a caller's transaction. */
export type FerryQueryable = FerryDb | FerryTx;
