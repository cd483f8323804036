import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCliPackage } from '../../server/cli/package/build.ts';
import { ControlDocument } from '../../shared/schemas/control.ts';
import { bucketOf } from '../../workers/control/bucket.ts';
import { launchProfiles, type LaunchedProfiles } from './support/browser.ts';
import { controlEnvelope, controlPage, rollout, until } from './support/control-page.ts';
import { startStack, type Stack } from './support/stack.ts';

// How control reaches devices (issue 9, point 4): several browser profiles on a 50% rollout,
// polling when SSE is blocked, documents that expire (an 8 s lifetime, so the server re-signs
// every 800 ms), and targeting with a custom attribute and an appVersion range. Rollbacks go
// through `ferry rollout rollback`, the bundled @ferry/cli that users install, in its own process.
// A fetched document has at least half its lifetime less one re-sign interval left (3.2 s here).
// A 4 s lifetime left 1.6 s: on a very slow CI run, likely too little, as every device loaded
// without control (refused as expired, or unreachable) and a device here saw one expire.
const LIFETIME_MS = 8_000;
let stack: Stack;
/** The bundled `ferry` command (@ferry/cli's ferry.js), built for this file. */
let cliDir = '';
const runFile = promisify(execFile);
/** Runs `ferry <args>` with the stack's server and admin token (admin implies operator). */
const ferry = (...args: string[]) =>
  runFile(process.execPath, [
    path.join(cliDir, 'ferry.js'),
    ...args,
    '--server',
    stack.server.url,
    '--token',
    stack.server.adminToken,
  ]);
let page: ReturnType<typeof controlPage>;
/** Two more devices beside the stack's browser for the 50% rollout (closed once it is done). */
let devices: LaunchedProfiles | undefined;
const op = (operation: Parameters<typeof rollout>[1], input: Record<string, unknown>) =>
  rollout(stack.server, operation, { model: 'digits', ...input });
const withVersion = (version: string) => (manifest: Record<string, unknown>) => {
  manifest.version = version;
};
const currentDocument = async () =>
  ControlDocument.parse(
    (JSON.parse(await controlEnvelope(stack.server.url, 'digits')) as { signed: unknown }).signed,
  );

beforeAll(async () => {
  cliDir = await buildCliPackage(mkdtempSync(path.join(tmpdir(), 'ferry-cli-')));
  stack = await startStack({ env: { FERRY_CONTROL_LIFETIME_MS: String(LIFETIME_MS) } });
  await stack.publish('models/digits');
  for (const version of ['1.2.0', '1.3.0', '1.4.0']) {
    await stack.publishVariant('models/digits', withVersion(version));
  }
  await op('setStable', { version: '1.1.0' });
  page = controlPage(stack.page);
  await page.goto(stack.site.url);
});
afterAll(async () => {
  await devices?.close();
  await stack?.close();
  if (cliDir) rmSync(cliDir, { recursive: true, force: true });
});

describe('control delivery', () => {
  it('assigns several browser profiles on a 50% rollout by their own buckets, keeps them across a reload, and moves each back on `ferry rollout rollback`', async () => {
    await op('start', { candidate: '1.2.0', percent: 50 });
    const { rollout: started } = await currentDocument();
    devices = await launchProfiles(2);
    const profiles = [{ page }];
    for (const context of devices.contexts) {
      const profilePage = controlPage(await context.newPage());
      await profilePage.goto(stack.site.url);
      profiles.push({ page: profilePage });
    }
    const loads = await Promise.all(
      profiles.map(async (profile) => {
        await profile.page.open('client', stack.clientOptions());
        return profile.page.load('digits', { client: 'client', name: 'digits' });
      }),
    );
    const ids = new Set<string>();
    for (const [i, profile] of profiles.entries()) {
      const loaded = loads[i];
      const id = (await profile.page.deviceId())!;
      ids.add(id);
      const inRollout = (await bucketOf(id, 'digits', started!.salt)) < 5_000;
      // A failure names the model's error events: a control document refused on load (the load
      // then falls back to no-control) is among them.
      const { errors } = await profile.page.state('digits');
      expect(loaded, `error events: ${JSON.stringify(errors)}`).toMatchObject({
        ok: true,
        version: inRollout ? '1.2.0' : '1.1.0',
        assignment: { reason: inRollout ? 'in-rollout' : 'outside-percentage', rollout: { percent: 50 } },
      });
    }
    expect(ids.size).toBe(profiles.length); // each profile has its own random id

    // Sticky across reloads: the id stays in the profile's IndexedDB, so its bucket and version do too.
    for (const [i, profile] of profiles.entries()) {
      const id = await profile.page.deviceId();
      await profile.page.goto(stack.site.url);
      await profile.page.open('client', stack.clientOptions());
      const reloaded = await profile.page.load('digits', { client: 'client', name: 'digits' });
      expect(await profile.page.deviceId()).toBe(id);
      expect(reloaded).toMatchObject({
        ok: true,
        version: loads[i]!.version,
        assignment: { reason: loads[i]!.assignment!.reason },
      });
    }

    // Everyone on the candidate, then everyone back: each profile emits versionChanged.
    await op('setPercentage', { percent: 100 });
    for (const profile of profiles) {
      const state = await profile.page.state('digits');
      const expected = state.versionChanges.length + (state.version === '1.2.0' ? 0 : 1);
      await profile.page.versionChanges('digits', expected);
    }
    const before = await Promise.all(
      profiles.map(async (p) => (await p.page.state('digits')).versionChanges.length),
    );
    const commandStarted = Date.now();
    const rolledBack = await ferry('rollout', 'rollback', 'digits');
    const exited = Date.now();
    expect(rolledBack.stdout).toContain('rolled digits back to 1.1.0');
    const seen: number[] = [];
    for (const [i, profile] of profiles.entries()) {
      const changes = await profile.page.versionChanges('digits', before[i]! + 1);
      expect(changes.at(-1)).toMatchObject({ from: '1.2.0', to: '1.1.0', reason: 'rollback' });
      seen.push(changes.at(-1)!.at);
    }
    // Measured and reported (issue 9 asks for under 1 s from the command), not asserted on.
    console.log(
      `ferry rollout rollback → versionChanged in each of ${seen.length} profiles: ` +
        `${seen.map((at) => at - commandStarted).join(', ')} ms after the command started, ` +
        `${seen.map((at) => at - exited).join(', ')} ms after it exited (the process took ${exited - commandStarted} ms)`,
    );
    await devices.close();
    devices = undefined;
  });

  it('still gets a change by polling when a proxy blocks the SSE stream, and promotes', async () => {
    // A filtering proxy refuses event streams (the client gives SSE up at once).
    stack.proxy.block('/api/v1/events', 403);
    await page.open('polling', stack.clientOptions({ control: { pollIntervalMs: 300 } }));
    expect(await page.load('polled', { client: 'polling', name: 'digits' })).toMatchObject({
      version: '1.1.0',
    });
    // Polling has begun (and the load's own control requests are over), so a poll brings the change.
    const polls = () =>
      stack.proxy.requests.filter((r) => r.path.startsWith('/api/v1/control?models=digits'));
    await until(() => polls().length > 0);
    await op('start', { candidate: '1.3.0', percent: 100 });
    const [change] = await page.versionChanges('polled', 1);
    expect(change).toMatchObject({ from: '1.1.0', to: '1.3.0', reason: 'rollout' });
    expect(polls().length).toBeGreaterThan(1);
    await op('promote', {});
    await page.assigned('polled', { version: '1.3.0', reason: 'stable' });
    expect((await page.state('polled')).version).toBe('1.3.0');
  });

  it('refuses an expired document: keep-last keeps serving, stop stops until a fresh one arrives', async () => {
    await page.open('stopping', stack.clientOptions({ control: { pollIntervalMs: 300, onExpired: 'stop' } }));
    expect(await page.load('stopping', { client: 'stopping', name: 'digits' })).toMatchObject({
      version: '1.3.0',
    });
    const captured = await controlEnvelope(stack.server.url, 'digits');
    // A freeze attack: every later document is withheld (SSE is still blocked, now polls too).
    stack.proxy.faults('/api/v1/control', { seed: 2, drop: 1 });
    await page.error('polled', 'METADATA_EXPIRED');
    await page.error('stopping', 'METADATA_EXPIRED');
    expect(await page.run('polled')).toEqual({ ok: true });
    expect(await page.run('stopping')).toMatchObject({ ok: false, error: { code: 'METADATA_EXPIRED' } });

    // Replayed once expired to a device that never saw a newer one: refused all the same.
    const { expires } = ControlDocument.parse((JSON.parse(captured) as { signed: unknown }).signed);
    while (Date.now() <= Date.parse(expires)) await new Promise((resolve) => setTimeout(resolve, 100));
    await page.open('memory', stack.clientOptions({ cache: 'memory' }));
    stack.proxy.tamperNext('/api/v1/models/digits/control', () => captured);
    expect(await page.load('replayed', { client: 'memory', name: 'digits' })).toMatchObject({
      ok: true,
      assignment: { reason: 'no-control' },
    });
    expect((await page.state('replayed')).errors).toEqual([
      expect.objectContaining({ code: 'METADATA_EXPIRED' }),
    ]);

    stack.proxy.faults('/api/v1/control', null);
    await page.assigned('stopping', { version: '1.3.0', reason: 'stable' });
    expect(await page.run('stopping')).toEqual({ ok: true });
    stack.proxy.block('/api/v1/events', null);
  });

  it('targets a rollout by a custom attribute and an appVersion range, evaluated on the device', async () => {
    await op('start', {
      candidate: '1.4.0',
      percent: 100,
      targeting: [
        { attribute: 'custom', name: 'plan', in: ['pro'] },
        { attribute: 'appVersion', range: '>=2.0.0 <3' },
      ],
    });
    const cases = [
      {
        key: 'pro-2',
        control: { attributes: { plan: 'pro' }, appVersion: '2.1.0' },
        version: '1.4.0',
        reason: 'in-rollout',
      },
      {
        key: 'free-2',
        control: { attributes: { plan: 'free' }, appVersion: '2.1.0' },
        version: '1.3.0',
        reason: 'not-targeted',
      },
      {
        key: 'pro-1',
        control: { attributes: { plan: 'pro' }, appVersion: '1.9.0' },
        version: '1.3.0',
        reason: 'not-targeted',
      },
    ];
    for (const { key, control, version, reason } of cases) {
      await page.open(key, stack.clientOptions({ control }));
      expect(await page.load(key, { client: key, name: 'digits' })).toMatchObject({
        ok: true,
        version,
        assignment: { version, reason, rollout: { candidate: '1.4.0', percent: 100 } },
      });
    }
    // What targeting looked at never left the page.
    for (const request of stack.proxy.requests)
      expect(request.path + (request.body ?? '')).not.toMatch(/plan|pro-2|1\.9\.0/);
  });
});
