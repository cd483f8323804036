import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { verifyManifest } from '$shared';
import { blobPath } from '../../server/storage/fs-blob-store.ts';
import { tinyDir } from '../../server/testing/tiny-bundle.ts';
import { publishWithCli } from '../support/ferry-cli.ts';
import { startFerryServer, type FerryServer } from '../support/ferry-server.ts';
import { callTrpc, headUpload, putUpload } from '../support/registry-http.ts';

const servers: FerryServer[] = [];
const dirs: string[] = [];
function dataDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'ferry-crash-'));
  dirs.push(dir);
  return dir;
}
async function start(dir: string, failpoint?: string): Promise<FerryServer> {
  const server = await startFerryServer({
    dataDir: dir,
    env: failpoint ? { FERRY_FAILPOINTS: failpoint } : {},
  });
  servers.push(server);
  return server;
}
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop()));
  dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true }));
});

const modelSha = createHash('sha256')
  .update(readFileSync(path.join(tinyDir, 'model.onnx')))
  .digest('hex');
const tmpFiles = (dir: string) =>
  existsSync(path.join(dir, 'tmp')) ? readdirSync(path.join(dir, 'tmp')) : [];
const publish = (server: FerryServer) => publishWithCli(server, tinyDir);

describe('kill -9 during a publish leaves the version fully there or absent', () => {
  it('a publish killed just before its transaction commits is absent after restart, and its uploaded blobs are not served', async () => {
    const dir = dataDir();
    const first = await start(dir, 'publish.before-commit');
    const cli = publish(first);
    await first.waitForOutput(/FAILPOINT publish\.before-commit/);
    await first.kill('SIGKILL');
    expect((await cli).code).not.toBe(0);
    expect(existsSync(blobPath(dir, modelSha))).toBe(true);

    const second = await start(dir);
    expect(second.adminToken).toBe(first.adminToken);
    expect(second.output()).not.toContain('Admin token:');
    const manifest = await fetch(`${second.url}/api/v1/models/tiny/versions/1.0.0/manifest`);
    expect(manifest.status).toBe(404);
    expect(await (await fetch(`${second.url}/api/v1/models`)).json()).toEqual({ models: [] });
    expect((await fetch(`${second.url}/api/v1/blobs/${modelSha}`)).status).toBe(404);
    const audit = await callTrpc(second.url, 'audit.list', { query: true, token: second.adminToken });
    expect((audit.body.result?.data as { action: string }[]).map((e) => e.action)).not.toContain(
      'version.publish',
    );

    expect((await publish(second)).code).toBe(0);
    const envelope = await (await fetch(`${second.url}/api/v1/models/tiny/versions/1.0.0/manifest`)).json();
    expect(await verifyManifest(envelope, { publicKey: second.publicKey })).toMatchObject({
      version: '1.0.0',
    });
    expect((await fetch(`${second.url}/api/v1/blobs/${modelSha}`)).status).toBe(200);
  });

  it('a publish that returned survives a kill -9 right after, whole and verifiable', async () => {
    const dir = dataDir();
    const first = await start(dir);
    expect((await publish(first)).code).toBe(0);
    await first.kill('SIGKILL');

    const second = await start(dir);
    const envelope = await (await fetch(`${second.url}/api/v1/models/tiny/versions/1.0.0/manifest`)).json();
    const manifest = await verifyManifest(envelope, { publicKey: second.publicKey });
    for (const file of manifest.files) {
      const bytes = new Uint8Array(
        await (await fetch(`${second.url}/api/v1/blobs/${file.sha256}`)).arrayBuffer(),
      );
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(file.sha256);
    }
  });
});

describe('kill -9 during an upload leaves no blob behind', () => {
  it('an upload killed after its temp file is complete but before the rename leaves nothing after restart', async () => {
    const dir = dataDir();
    const first = await start(dir, 'upload.before-rename');
    const bytes = randomBytes(256 * 1024);
    const sha = createHash('sha256').update(bytes).digest('hex');
    const pending = putUpload(first.url, bytes, { token: first.adminToken }).catch(() => null);
    await first.waitForOutput(/FAILPOINT upload\.before-rename/);
    expect(tmpFiles(dir)).toHaveLength(1);
    await first.kill('SIGKILL');
    await pending;

    const second = await start(dir);
    expect(tmpFiles(dir)).toEqual([]);
    expect(existsSync(blobPath(dir, sha))).toBe(false);
    expect((await headUpload(second.url, sha, second.adminToken)).status).toBe(404);
    expect((await fetch(`${second.url}/api/v1/blobs/${sha}`)).status).toBe(404);
  });

  it('an upload killed halfway through its body leaves no temp file and no blob after restart', async () => {
    const dir = dataDir();
    const first = await start(dir);
    const bytes = randomBytes(1024 * 1024);
    const sha = createHash('sha256').update(bytes).digest('hex');
    const req = request(`${first.url}/api/v1/uploads/${sha}`, {
      method: 'PUT',
      headers: {
        authorization: `Bearer ${first.adminToken}`,
        'content-type': 'application/octet-stream',
        'content-length': String(bytes.length),
      },
    });
    req.on('error', () => {});
    req.write(bytes.subarray(0, bytes.length / 2));
    await expect
      .poll(() => tmpFiles(dir).reduce((sum, f) => sum + statSync(path.join(dir, 'tmp', f)).size, 0), {
        timeout: 10_000,
      })
      .toBeGreaterThan(0);
    await first.kill('SIGKILL');
    req.destroy();

    const second = await start(dir);
    expect(tmpFiles(dir)).toEqual([]);
    expect(existsSync(blobPath(dir, sha))).toBe(false);
    expect((await fetch(`${second.url}/api/v1/blobs/${sha}`)).status).toBe(404);
  });
});
