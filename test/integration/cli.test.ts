import { beforeAll, describe, expect, it } from 'vitest';
import { verifyManifest } from '$shared';
import { tinyDir } from '../../server/testing/tiny-bundle.ts';
import { addFile, bundleVariant, removeTempDir } from '../support/bundles.ts';
import { runFerryCli } from '../support/ferry-cli.ts';
import { useFerryServer } from '../support/use-ferry-server.ts';

const server = useFerryServer();
let admin: Record<string, string>;
beforeAll(() => {
  admin = { FERRY_SERVER: server().url, FERRY_TOKEN: server().adminToken };
});

describe('the ferry CLI', () => {
  it('creates a publish token whose secret is printed once, and publishes with it from FERRY_* variables', async () => {
    const created = await runFerryCli(['token', 'create', '--scope', 'publish', '--name', 'ci'], admin);
    expect(created.code).toBe(0);
    const token = created.stdout.match(/ferry_\S+/)?.[0] ?? '';
    expect(token).not.toBe('');
    const listed = await runFerryCli(['token', 'list'], admin);
    expect(listed.stdout).toContain('ci');
    expect(listed.stdout).not.toContain(token);
    const published = await runFerryCli(['publish', tinyDir, '--json'], {
      FERRY_SERVER: server().url,
      FERRY_TOKEN: token,
    });
    expect(published.code).toBe(0);
    expect(JSON.parse(published.stdout)).toMatchObject({ name: 'tiny', version: '1.0.0' });
  });

  it('exits 4 when the token lacks the scope, and after the token is revoked', async () => {
    const created = await runFerryCli(['token', 'create', '--scope', 'publish', '--json'], admin);
    const { id, token } = JSON.parse(created.stdout) as { id: number; token: string };
    const forbidden = await runFerryCli(['token', 'list'], {
      FERRY_SERVER: server().url,
      FERRY_TOKEN: token,
    });
    expect(forbidden.code).toBe(4);
    expect(forbidden.stderr).toContain('lacks the "admin" scope');
    expect((await runFerryCli(['token', 'revoke', String(id)], admin)).code).toBe(0);
    const revoked = await runFerryCli(['publish', tinyDir], {
      FERRY_SERVER: server().url,
      FERRY_TOKEN: token,
    });
    expect(revoked.code).toBe(4);
  });

  it('yanks a version: the manifest is re-signed with the new status and a higher metadataVersion', async () => {
    const url = `${server().url}/api/v1/models/tiny/versions/1.0.0/manifest`;
    const before = await verifyManifest(await (await fetch(url)).json(), { publicKey: server().publicKey });
    const run = await runFerryCli(['versions', 'set-status', 'tiny', '1.0.0', 'yanked'], admin);
    expect(run.code).toBe(0);
    const after = await verifyManifest(await (await fetch(url)).json(), { publicKey: server().publicKey });
    expect(after.status).toBe('yanked');
    expect(after.metadataVersion).toBeGreaterThan(before.metadataVersion);
    expect((await fetch(`${server().url}/api/v1/models/tiny/versions/latest/manifest`)).status).toBe(404);
  });

  it('publishes a bundle holding an empty file, which is then served as 0 bytes', async () => {
    const empty = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
    const dir = bundleVariant(tinyDir, (manifest, folder) => {
      manifest.version = '1.5.0';
      addFile(manifest, folder, { path: 'empty.bin', bytes: new Uint8Array(0), role: 'sample' });
    });
    try {
      const published = await runFerryCli(['publish', dir, '--json'], admin);
      expect(published.stderr).toBe('');
      expect(published.code).toBe(0);
      const blob = await fetch(`${server().url}/api/v1/blobs/${empty}`);
      expect(blob.status).toBe(200);
      expect(blob.headers.get('content-length')).toBe('0');
      expect((await blob.arrayBuffer()).byteLength).toBe(0);
    } finally {
      removeTempDir(dir);
    }
  });

  it('exits 2 on usage errors and 7 when the server cannot be reached', async () => {
    expect((await runFerryCli(['publish', tinyDir])).code).toBe(2);
    expect((await runFerryCli(['token', 'create', '--scope', 'root'], admin)).code).toBe(2);
    const down = await runFerryCli(['publish', tinyDir, '--server', 'http://127.0.0.1:9', '--token', 'x']);
    expect(down.code).toBe(7);
    expect(down.stderr).toContain('cannot reach http://127.0.0.1:9');
  });

  it('prints usage and the exit codes with --help, the same from the package as from source (npx ferry here)', async () => {
    const help = await runFerryCli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('publish [options] <dir>');
    expect(help.stdout).toContain('Exit codes:');
    expect(await runFerryCli(['--help'], {}, 'source')).toEqual(help);
  });
});
