import { beforeAll, describe, expect, it } from 'vitest';
import { ControlDocument, ControlStatus, verifyEnvelope } from '$shared';
import { tinyDir } from '../../server/testing/tiny-bundle.ts';
import { bundleVariant, removeTempDir } from '../support/bundles.ts';
import { openEventStream } from '../../server/testing/event-stream.ts';
import { callTrpc, publishOverHttp, type TrpcReply } from '../support/registry-http.ts';
import { useFerryServer } from '../support/use-ferry-server.ts';

const server = useFerryServer();
let operator = '';

const call = (procedure: string, input: unknown, token = operator) =>
  callTrpc(server().url, procedure, { input, token });
const statusOf = (reply: TrpcReply) => ControlStatus.parse(reply.body.result?.data);

/** The served control document of tiny, verified with the server's public key, and its ETag. */
async function served() {
  const response = await fetch(`${server().url}/api/v1/models/tiny/control`);
  expect(response.status).toBe(200);
  const document = await verifyEnvelope(await response.json(), ControlDocument, {
    publicKey: server().publicKey,
  });
  return { document, etag: response.headers.get('etag') ?? '' };
}

async function publish(version: string) {
  const dir = bundleVariant(tinyDir, (m) => void (m.version = version));
  try {
    expect((await publishOverHttp(server().url, server().adminToken, dir)).status).toBe(200);
  } finally {
    removeTempDir(dir);
  }
}

/** Expects `reply` to be a refusal with `status`, Ferry code `code` and a message naming `field`. */
function refused(reply: TrpcReply, [status, code, field]: readonly [number, string, string]) {
  expect(reply.status, JSON.stringify(reply.body)).toBe(status);
  expect(reply.body.error?.data.ferryCode).toBe(code);
  expect(reply.body.error?.message).toContain(field);
}

beforeAll(async () => {
  const created = await callTrpc(server().url, 'tokens.create', {
    input: { name: 'on call', scopes: ['operator'] },
    token: server().adminToken,
  });
  operator = (created.body.result?.data as { token: string }).token;
  for (const version of ['1.0.0', '1.1.0']) await publish(version);
});

describe('rollout operations over tRPC, each re-signing the served control document', () => {
  it('pins the stable version', async () => {
    const before = await served();
    const reply = await call('rollouts.setStable', { model: 'tiny', version: '1.0.0' });
    expect(reply.status).toBe(200);
    expect(statusOf(reply)).toMatchObject({ stable: '1.0.0', pinnedStable: '1.0.0' });
    const after = await served();
    expect(after.document.stable).toBe('1.0.0');
    expect(after.document.metadataVersion).toBeGreaterThan(before.document.metadataVersion);
    expect(after.etag).not.toBe(before.etag);
  });

  it('starts a rollout to 5 % with targeting, and refuses a second one', async () => {
    const reply = await call('rollouts.start', {
      model: 'tiny',
      candidate: '1.1.0',
      percent: 5,
      targeting: [{ attribute: 'appVersion', range: '>=2.3.0 <3' }],
    });
    expect(reply.status).toBe(200);
    const { document } = await served();
    expect(document.rollout).toMatchObject({ candidate: '1.1.0', basisPoints: 500 });
    expect(document.rollout?.targeting).toEqual([{ attribute: 'appVersion', range: '>=2.3.0 <3' }]);
    expect(document.lastChange).toMatchObject({ action: 'rollout-started', version: '1.1.0' });
    refused(await call('rollouts.start', { model: 'tiny', candidate: '1.1.0', percent: 5 }), [
      409,
      'ROLLOUT_EXISTS',
      'model:',
    ]);
  });

  it('changes the percentage, and refuses one outside 0–100 naming percent', async () => {
    const reply = await call('rollouts.setPercentage', { model: 'tiny', percent: 25 });
    expect(statusOf(reply).rollout?.basisPoints).toBe(2500);
    expect((await served()).document.rollout?.basisPoints).toBe(2500);
    for (const percent of [-1, 100.5, 1000]) {
      refused(await call('rollouts.setPercentage', { model: 'tiny', percent }), [
        400,
        'INVALID_INPUT',
        'percent',
      ]);
    }
    refused(await call('rollouts.setPercentage', { model: 'tiny' }), [400, 'INVALID_INPUT', 'percent']);
  });

  it('rolls back: the candidate is blocked, devices return to stable', async () => {
    const reply = await call('rollouts.rollback', { model: 'tiny' });
    expect(statusOf(reply)).toMatchObject({ rollout: null, blocked: ['1.1.0'], stable: '1.0.0' });
    const { document } = await served();
    expect(document).toMatchObject({ rollout: null, blocked: ['1.1.0'] });
    expect(document.lastChange).toMatchObject({ action: 'rolled-back', version: '1.1.0' });
    refused(await call('rollouts.rollback', { model: 'tiny' }), [409, 'NO_ROLLOUT', 'model:']);
  });

  it('unblocks and blocks versions (the kill switch)', async () => {
    expect(statusOf(await call('rollouts.unblock', { model: 'tiny', version: '1.1.0' })).blocked).toEqual([]);
    expect((await served()).document.blocked).toEqual([]);
    await publish('0.9.0');
    expect(statusOf(await call('rollouts.block', { model: 'tiny', version: '0.9.0' })).blocked).toEqual([
      '0.9.0',
    ]);
    const { document } = await served();
    expect(document.blocked).toEqual(['0.9.0']);
    expect(document.lastChange).toMatchObject({ action: 'blocked', version: '0.9.0' });
  });

  it('promotes: the candidate becomes the pinned stable and the rollout ends', async () => {
    await call('rollouts.start', { model: 'tiny', candidate: '1.1.0', basisPoints: 5000 });
    const reply = await call('rollouts.promote', { model: 'tiny' });
    expect(statusOf(reply)).toMatchObject({ stable: '1.1.0', pinnedStable: '1.1.0', rollout: null });
    expect((await served()).document).toMatchObject({ stable: '1.1.0', rollout: null });
  });

  it('answers the status to an operator token', async () => {
    const reply = await callTrpc(server().url, 'rollouts.status', {
      query: true,
      input: { model: 'tiny' },
      token: operator,
    });
    const status = statusOf(reply);
    const { document } = await served();
    expect(status).toMatchObject({
      metadataVersion: document.metadataVersion,
      stable: '1.1.0',
      blocked: ['0.9.0'],
    });
    expect(status.versions.map((v) => v.version)).toEqual(['1.1.0', '1.0.0', '0.9.0']);
  });

  it('re-signs when a publish moves what latest resolves to, if stable is not pinned', async () => {
    const before = (await served()).document.metadataVersion;
    await publish('1.2.0');
    const { document } = await served();
    expect(document.metadataVersion).toBeGreaterThan(before);
    expect(document.stable).toBe('1.1.0');
    expect(document.lastChange).toMatchObject({ action: 'published', version: '1.2.0' });
  });
});

describe('operations refuse bad input with a 4xx naming the field, and change nothing', () => {
  let etag = '';
  beforeAll(async () => {
    etag = (await served()).etag;
  });

  it.each([
    ['an unknown model', 'rollouts.promote', { model: 'nope' }, 404, 'MODEL_NOT_FOUND', 'model:'],
    [
      'an unknown candidate',
      'rollouts.start',
      { model: 'tiny', candidate: '9.0.0', percent: 5 },
      404,
      'BUNDLE_NOT_FOUND',
      'candidate:',
    ],
    [
      'an unknown version to block',
      'rollouts.block',
      { model: 'tiny', version: '9.0.0' },
      404,
      'BUNDLE_NOT_FOUND',
      'version:',
    ],
    [
      'a candidate equal to stable',
      'rollouts.start',
      { model: 'tiny', candidate: '1.1.0', percent: 5 },
      400,
      'INVALID_INPUT',
      'candidate:',
    ],
    [
      'a blocked candidate',
      'rollouts.start',
      { model: 'tiny', candidate: '0.9.0', percent: 5 },
      409,
      'VERSION_BLOCKED',
      'candidate:',
    ],
    [
      'a percentage over 100',
      'rollouts.start',
      { model: 'tiny', candidate: '1.2.0', percent: 101 },
      400,
      'INVALID_INPUT',
      'percent',
    ],
    [
      'basis points over 10,000',
      'rollouts.start',
      { model: 'tiny', candidate: '1.2.0', basisPoints: 10001 },
      400,
      'INVALID_INPUT',
      'basisPoints',
    ],
    [
      'both percent and basis points',
      'rollouts.start',
      { model: 'tiny', candidate: '1.2.0', percent: 5, basisPoints: 500 },
      400,
      'INVALID_INPUT',
      'percent',
    ],
    [
      'an invalid semver range',
      'rollouts.start',
      {
        model: 'tiny',
        candidate: '1.2.0',
        percent: 5,
        targeting: [{ attribute: 'appVersion', range: 'latest please' }],
      },
      400,
      'INVALID_INPUT',
      'targeting.0.range',
    ],
    [
      'an unknown targeting attribute',
      'rollouts.start',
      { model: 'tiny', candidate: '1.2.0', percent: 5, targeting: [{ attribute: 'country', in: ['FR'] }] },
      400,
      'INVALID_INPUT',
      'targeting.0.attribute',
    ],
    [
      'a malformed condition',
      'rollouts.start',
      { model: 'tiny', candidate: '1.2.0', percent: 5, targeting: [{ attribute: 'webgpu', equals: 'yes' }] },
      400,
      'INVALID_INPUT',
      'targeting.0.equals',
    ],
    [
      'blocking the pinned stable',
      'rollouts.block',
      { model: 'tiny', version: '1.1.0' },
      400,
      'INVALID_INPUT',
      'version:',
    ],
    [
      'a percentage change without a rollout',
      'rollouts.setPercentage',
      { model: 'tiny', percent: 5 },
      409,
      'NO_ROLLOUT',
      'model:',
    ],
    [
      'a version that is not semver',
      'rollouts.setStable',
      { model: 'tiny', version: 'latest' },
      400,
      'INVALID_INPUT',
      'version',
    ],
  ])('%s', async (...row) => {
    const [, procedure, input, status, code, field] = row;
    refused(await call(procedure, input), [status, code, field]);
    expect((await served()).etag).toBe(etag);
  });

  it('a yanked candidate', async () => {
    const yank = await callTrpc(server().url, 'versions.setStatus', {
      input: { name: 'tiny', version: '1.2.0', status: 'yanked' },
      token: server().adminToken,
    });
    expect(yank.status).toBe(200);
    const { etag: now } = await served();
    refused(await call('rollouts.start', { model: 'tiny', candidate: '1.2.0', percent: 5 }), [
      409,
      'VERSION_YANKED',
      'candidate:',
    ]);
    expect((await served()).etag).toBe(now);
  });
});

describe('yanks travel in the control document', () => {
  it('a yank and its undo each re-sign the document, listing the yanked version, pushed over SSE', async () => {
    const setStatus = (status: 'published' | 'yanked') =>
      callTrpc(server().url, 'versions.setStatus', {
        input: { name: 'tiny', version: '1.2.0', status },
        token: server().adminToken,
      });
    const before = await served();
    expect(before.document.yanked).toEqual(['1.2.0']);
    const events = await openEventStream(`${server().url}/api/v1/events?models=tiny`);
    try {
      await events.until(() => events.events.length === 1);
      expect((await setStatus('published')).status).toBe(200);
      const restored = await served();
      expect(restored.document.yanked).toEqual([]);
      expect(restored.document.metadataVersion).toBeGreaterThan(before.document.metadataVersion);
      expect((await setStatus('yanked')).status).toBe(200);
      const yanked = await served();
      expect(yanked.document.yanked).toEqual(['1.2.0']);
      expect(yanked.document.lastChange).toMatchObject({ action: 'status-changed', version: '1.2.0' });
      await events.until(() => events.events.length === 3);
      const pushed = await Promise.all(
        events.events.slice(1).map(async (event) => {
          const envelope: unknown = JSON.parse(event.data);
          return verifyEnvelope(envelope, ControlDocument, { publicKey: server().publicKey });
        }),
      );
      expect(pushed.map((d) => [d.metadataVersion, d.yanked])).toEqual([
        [restored.document.metadataVersion, []],
        [yanked.document.metadataVersion, ['1.2.0']],
      ]);
    } finally {
      events.close();
    }
  });
});

describe('the audit log', () => {
  it('records each operation with the operator token as actor', async () => {
    const reply = await callTrpc(server().url, 'audit.list', {
      query: true,
      input: { limit: 50 },
      token: server().adminToken,
    });
    const entries = reply.body.result?.data as { action: string; actor: string }[];
    const ours = entries.filter((e) => e.actor === 'on call').map((e) => e.action);
    expect(new Set(ours)).toEqual(
      new Set([
        'control.set-stable',
        'rollout.start',
        'rollout.set',
        'rollout.rollback',
        'version.unblock',
        'version.block',
        'rollout.promote',
      ]),
    );
  });
});
