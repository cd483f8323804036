import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ControlDocument, verifyEnvelope } from '$shared';
import { tinyDir } from '../../server/testing/tiny-bundle.ts';
import { startFerryServer, type FerryServer } from '../support/ferry-server.ts';
import { publishOverHttp } from '../support/registry-http.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'ferry-backfill-'));
const servers: FerryServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  rmSync(dir, { recursive: true, force: true });
});

describe('a data directory from before control documents', () => {
  it('gets a signed control document for every model at the next start', async () => {
    const first = await startFerryServer({ dataDir: dir });
    servers.push(first);
    expect((await publishOverHttp(first.url, first.adminToken, tinyDir)).status).toBe(200);
    await first.stop();
    // What a database written before issue 9 looks like: models and versions, no control rows.
    const sqlite = new Database(path.join(dir, 'ferry.db'));
    try {
      sqlite.prepare('DELETE FROM controls').run();
    } finally {
      sqlite.close();
    }

    const second = await startFerryServer({ dataDir: dir });
    servers.push(second);
    const response = await fetch(`${second.url}/api/v1/models/tiny/control`);
    expect(response.status).toBe(200);
    const document = await verifyEnvelope(await response.json(), ControlDocument, {
      publicKey: second.publicKey,
    });
    expect(document).toMatchObject({ model: 'tiny', stable: '1.0.0', rollout: null, blocked: [] });
    expect(document.lastChange.action).toBe('created');
  });
});
