import { beforeAll, describe, expect, it } from 'vitest';
import { ControlDocument, ControlStatus, verifyEnvelope } from '$shared';
import { tinyDir } from '../../server/testing/tiny-bundle.ts';
import { bundleVariant, removeTempDir } from '../support/bundles.ts';
import { runFerryCli } from '../support/ferry-cli.ts';
import { useFerryServer } from '../support/use-ferry-server.ts';

const server = useFerryServer();
let operator: Record<string, string>;

const ferry = (...args: string[]) => runFerryCli(args, operator);

async function served() {
  const response = await fetch(`${server().url}/api/v1/models/tiny/control`);
  return verifyEnvelope(await response.json(), ControlDocument, { publicKey: server().publicKey });
}

beforeAll(async () => {
  const admin = { FERRY_SERVER: server().url, FERRY_TOKEN: server().adminToken };
  for (const version of ['1.0.0', '1.1.0']) {
    const dir = bundleVariant(tinyDir, (m) => void (m.version = version));
    try {
      expect((await runFerryCli(['publish', dir], admin)).code).toBe(0);
    } finally {
      removeTempDir(dir);
    }
  }
  const created = await runFerryCli(['token', 'create', '--scope', 'operator', '--json'], admin);
  expect(created.code).toBe(0);
  operator = {
    FERRY_SERVER: server().url,
    FERRY_TOKEN: (JSON.parse(created.stdout) as { token: string }).token,
  };
});

describe('ferry rollout and ferry versions block|unblock', () => {
  it('pins stable, starts a targeted rollout, widens it and prints the status', async () => {
    const stable = await ferry('rollout', 'stable', 'tiny', '1.0.0');
    expect(stable.code, stable.stderr).toBe(0);
    expect(stable.stdout).toContain('stable    1.0.0 (pinned)');
    const started = await ferry(
      'rollout',
      'start',
      'tiny',
      '1.1.0',
      '--percent',
      '5',
      '--webgpu',
      '--app-version',
      '>=2 <3',
    );
    expect(started.code, started.stderr).toBe(0);
    expect(started.stdout).toMatch(
      /rollout {3}1\.1\.0 to 5% of devices matching webgpu = true; appVersion in >=2 <3/,
    );
    expect((await ferry('rollout', 'set', 'tiny', '--percent', '25')).code).toBe(0);
    const status = await ferry('rollout', 'status', 'tiny', '--json');
    expect(status.code).toBe(0);
    const parsed = ControlStatus.parse(JSON.parse(status.stdout));
    expect(parsed.rollout).toMatchObject({ candidate: '1.1.0', basisPoints: 2500 });
    expect((await served()).rollout?.basisPoints).toBe(2500);
  });

  it('exits 5 for a second rollout and 3 for a percentage outside 0–100, naming the field', async () => {
    const second = await ferry('rollout', 'start', 'tiny', '1.1.0', '--percent', '5');
    expect(second.code).toBe(5);
    expect(second.stderr).toContain('already rolls out 1.1.0');
    const over = await ferry('rollout', 'set', 'tiny', '--percent', '150', '--json');
    expect(over.code).toBe(3);
    expect(JSON.parse(over.stdout)).toMatchObject({ error: { code: 'INVALID_INPUT' } });
    expect(over.stdout).toContain('percent');
    const usage = await ferry('rollout', 'set', 'tiny', '--percent', 'lots');
    expect(usage.code).toBe(2);
  });

  it('rolls back: the candidate is blocked in the signed document', async () => {
    const rolled = await ferry('rollout', 'rollback', 'tiny');
    expect(rolled.code, rolled.stderr).toBe(0);
    expect(rolled.stdout).toContain('rolled tiny back to 1.0.0');
    expect(await served()).toMatchObject({ rollout: null, blocked: ['1.1.0'], stable: '1.0.0' });
  });

  it('unblocks and promotes', async () => {
    expect((await ferry('versions', 'unblock', 'tiny', '1.1.0')).code).toBe(0);
    expect((await served()).blocked).toEqual([]);
    expect((await ferry('rollout', 'start', 'tiny', '1.1.0', '--percent', '50')).code).toBe(0);
    const promoted = await ferry('rollout', 'promote', 'tiny');
    expect(promoted.code, promoted.stderr).toBe(0);
    expect(await served()).toMatchObject({ stable: '1.1.0', rollout: null });
  });

  it('blocks a version, and exits 6 for an unknown one and 4 without the operator scope', async () => {
    const blocked = await ferry('versions', 'block', 'tiny', '1.0.0', '--json');
    expect(blocked.code, blocked.stderr).toBe(0);
    expect(ControlStatus.parse(JSON.parse(blocked.stdout)).blocked).toEqual(['1.0.0']);
    expect((await ferry('versions', 'block', 'tiny', '9.9.9')).code).toBe(6);
    const read = await runFerryCli(['token', 'create', '--scope', 'read', '--json'], {
      FERRY_SERVER: server().url,
      FERRY_TOKEN: server().adminToken,
    });
    const reader = {
      FERRY_SERVER: server().url,
      FERRY_TOKEN: (JSON.parse(read.stdout) as { token: string }).token,
    };
    const refused = await runFerryCli(['versions', 'unblock', 'tiny', '1.0.0'], reader);
    expect(refused.code).toBe(4);
    expect(refused.stderr).toContain('lacks the "operator" scope');
    expect((await runFerryCli(['rollout', 'status', 'tiny'], reader)).code).toBe(0);
  });
});
