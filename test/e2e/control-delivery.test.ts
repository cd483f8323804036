import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ControlDocument } from '../../shared/schemas/control.ts';
import { bucketOf } from '../../workers/control/bucket.ts';
import { launchBrowser, type LaunchedBrowser } from './support/browser.ts';
import { controlEnvelope, controlPage, rollout } from './support/control-page.ts';
import { startStack, type Stack } from './support/stack.ts';

// How control reaches devices (issue 9, point 4): several browser profiles on a 50% rollout,
// polling when SSE is blocked, documents that expire (a 4 s lifetime, so the server re-signs
// every 400 ms), and targeting with a custom attribute and an appVersion range.
const LIFETIME_MS = 4_000;
let stack: Stack;
let page: ReturnType<typeof controlPage>;
const profiles: { browser: LaunchedBrowser; page: ReturnType<typeof controlPage> }[] = [];
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
  for (const profile of profiles) await profile.browser.close();
  await stack?.close();
});

describe('control delivery', () => {
  it('assigns several browser profiles on a 50% rollout by their own buckets, and moves each on a rollback', async () => {
    await op('start', { candidate: '1.2.0', percent: 50 });
    const { rollout: started } = await currentDocument();
    profiles.push({ browser: stack.browser, page });
    for (let i = 0; i < 2; i++) {
      const browser = await launchBrowser();
      const profilePage = controlPage(await browser.context.newPage());
      await profilePage.goto(stack.site.url);
      profiles.push({ browser, page: profilePage });
    }
    const ids = new Set<string>();
    for (const profile of profiles) {
      await profile.page.open('client', stack.clientOptions());
      const loaded = await profile.page.load('digits', { client: 'client', name: 'digits' });
      const id = (await profile.page.deviceId())!;
      ids.add(id);
      const inRollout = (await bucketOf(id, 'digits', started!.salt)) < 5_000;
      expect(loaded).toMatchObject({
        ok: true,
        version: inRollout ? '1.2.0' : '1.1.0',
        assignment: { reason: inRollout ? 'in-rollout' : 'outside-percentage', rollout: { percent: 50 } },
      });
    }
    expect(ids.size).toBe(profiles.length); // each profile has its own random id

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
    const committed = Date.now();
    await op('rollback', {});
    const delays: number[] = [];
    for (const [i, profile] of profiles.entries()) {
      const changes = await profile.page.versionChanges('digits', before[i]! + 1);
      expect(changes.at(-1)).toMatchObject({ from: '1.2.0', to: '1.1.0', reason: 'rollback' });
      delays.push(changes.at(-1)!.at - committed);
    }
    console.log(`rollback → versionChanged per profile (ms from sending the mutation): ${delays.join(', ')}`);
    for (const profile of profiles.slice(1)) await profile.browser.close();
    profiles.length = 0;
  });

  it('still gets a change by polling when a proxy blocks the SSE stream, and promotes', async () => {
    stack.proxy.faults('/api/v1/events', { seed: 1, drop: 1 });
    await page.open('polling', stack.clientOptions({ control: { pollIntervalMs: 300 } }));
    expect(await page.load('polled', { client: 'polling', name: 'digits' })).toMatchObject({
      version: '1.1.0',
    });
    await op('start', { candidate: '1.3.0', percent: 100 });
    const [change] = await page.versionChanges('polled', 1);
    expect(change).toMatchObject({ from: '1.1.0', to: '1.3.0', reason: 'rollout' });
    expect(stack.proxy.requests.some((r) => r.path.startsWith('/api/v1/control?models=digits'))).toBe(true);
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
    stack.proxy.faults('/api/v1/events', null);
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
