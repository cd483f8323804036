import { beforeAll, describe, expect, it } from 'vitest';
import { appRouter } from '../../server/routers/index.ts';
import { callTrpc, headUpload, putUpload } from '../support/registry-http.ts';
import { useFerryServer } from '../support/use-ferry-server.ts';

/**
 * The scope each guarded procedure requires. The first test fails when the router gains a
 * mutation missing here, so no new mutation can ship without an auth check being tested.
 */
type Scope = 'publish' | 'admin' | 'read' | 'operator';
const requiredScope: Record<string, Scope> = {
  'versions.publish': 'publish',
  'versions.setStatus': 'admin',
  'tokens.create': 'admin',
  'tokens.revoke': 'admin',
  'tokens.list': 'admin',
  'audit.list': 'admin',
  'drift.report': 'read',
  'telemetry.summary': 'read',
  // A read token may see a model's control status; so may an operator token (tested below).
  'rollouts.status': 'read',
  'rollouts.compare': 'read',
  'rollouts.start': 'operator',
  'rollouts.setPercentage': 'operator',
  'rollouts.promote': 'operator',
  'rollouts.rollback': 'operator',
  'rollouts.setStable': 'operator',
  'rollouts.block': 'operator',
  'rollouts.unblock': 'operator',
};
/** A scope that does not grant each one (admin implies read and operator, so theirs is publish). */
const lacking: Record<Scope, Scope> = {
  publish: 'admin',
  admin: 'publish',
  read: 'publish',
  operator: 'publish',
};
const procedures = Object.entries(
  appRouter._def.procedures as unknown as Record<string, { _def: { type: string } }>,
);
const mutations = procedures.filter(([, p]) => p._def.type === 'mutation').map(([name]) => name);
const guarded = Object.keys(requiredScope);

const server = useFerryServer();
const tokens: Record<Scope, string> = { publish: '', admin: '', read: '', operator: '' };
beforeAll(async () => {
  for (const scope of ['publish', 'admin', 'read', 'operator'] as const) {
    const reply = await callTrpc(server().url, 'tokens.create', {
      input: { name: `${scope} only`, scopes: [scope] },
      token: server().adminToken,
    });
    tokens[scope] = (reply.body.result?.data as { token: string }).token;
  }
});

describe('every mutation requires a token with the right scope', () => {
  it('covers every mutation of the router', () => {
    expect(mutations.length).toBeGreaterThanOrEqual(4);
    expect(guarded).toEqual(expect.arrayContaining(mutations));
  });

  it.each(guarded)(
    '%s answers 401 without a token, with a malformed one, and with an unknown one',
    async (name) => {
      const query = !mutations.includes(name);
      for (const token of [undefined, '', 'ferry_not-a-real-token']) {
        const reply = await callTrpc(server().url, name, { token, query, input: { anything: true } });
        expect(reply.status, `${name} with token ${String(token)}`).toBe(401);
        expect(reply.body.error?.data.code).toBe('UNAUTHORIZED');
      }
    },
  );

  it.each(guarded)('%s answers 403 to a token without its scope', async (name) => {
    const other = lacking[requiredScope[name] as Scope];
    const reply = await callTrpc(server().url, name, {
      token: tokens[other],
      query: !mutations.includes(name),
    });
    expect(reply.status).toBe(403);
    expect(reply.body.error?.message).toContain(`lacks the "${requiredScope[name]}" scope`);
  });

  it('answers 401 then 403 on the upload route (PUT and HEAD) and accepts a publish token', async () => {
    const bytes = new TextEncoder().encode('upload auth check');
    expect((await putUpload(server().url, bytes)).status).toBe(401);
    expect((await putUpload(server().url, bytes, { token: 'ferry_unknown' })).status).toBe(401);
    const forbidden = await putUpload(server().url, bytes, { token: tokens.admin });
    expect(forbidden.status).toBe(403);
    expect(await forbidden.json()).toEqual({
      error: { code: 'FORBIDDEN', message: 'Authorization: token "admin only" lacks the "publish" scope' },
    });
    expect((await putUpload(server().url, bytes, { token: tokens.publish })).status).toBe(201);
    const head = (token?: string) => headUpload(server().url, '0'.repeat(64), token);
    expect((await head()).status).toBe(401);
    expect((await head(tokens.admin)).status).toBe(403);
    expect((await head(tokens.publish)).status).toBe(404);
  });

  it('keeps reads public: model list, manifests, blobs and server info need no token', async () => {
    expect((await callTrpc(server().url, 'models.list', { query: true })).status).toBe(200);
    expect((await callTrpc(server().url, 'server.info', { query: true })).status).toBe(200);
    expect((await fetch(`${server().url}/api/v1/models`)).status).toBe(200);
    // The event stream needs no token: an unknown model is what it answers about, not auth.
    const events = await fetch(`${server().url}/api/v1/events?models=nope`);
    expect([events.status, ((await events.json()) as { error: { code: string } }).error.code]).toEqual([
      404,
      'MODEL_NOT_FOUND',
    ]);
    expect((await fetch(`${server().url}/api/v1/control?models=nope`)).status).toBe(200);
  });

  it('lets operator and read tokens see a control status and its telemetry comparison, and an operator token (not a read one) operate', async () => {
    for (const procedure of ['rollouts.status', 'rollouts.compare']) {
      const status = (token: string) =>
        callTrpc(server().url, procedure, { token, query: true, input: { model: 'nope' } });
      // Past the scope check: the unknown model is what they are told about.
      expect((await status(tokens.operator)).status).toBe(404);
      expect((await status(tokens.read)).status).toBe(404);
    }
    const block = (token: string) =>
      callTrpc(server().url, 'rollouts.block', { token, input: { model: 'nope', version: '1.0.0' } });
    expect((await block(tokens.operator)).status).toBe(404);
    expect((await block(tokens.admin)).status).toBe(404);
    expect((await block(tokens.read)).status).toBe(403);
  });

  it('refuses a revoked token with 401', async () => {
    const created = await callTrpc(server().url, 'tokens.create', {
      input: { name: 'short-lived', scopes: ['publish'] },
      token: server().adminToken,
    });
    const { id, token } = created.body.result?.data as { id: number; token: string };
    await callTrpc(server().url, 'tokens.revoke', { input: { id }, token: server().adminToken });
    expect((await putUpload(server().url, new Uint8Array([1]), { token })).status).toBe(401);
  });
});
