import type { Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { controlPage, rollout } from './support/control-page.ts';
import { startStack, type Stack } from './support/stack.ts';

// Rollout control on the device (issue 9, point 4), in real Chromium against a real server:
// digits 1.1.0 (the example) is stable; variants 1.2.0 and 1.0.5 carry the same files, so a
// switch is the control path itself (verify the new manifest, new engine, swap), not a download.
// Refused documents (replayed, expired, other model, tampered, other key) on a load, over SSE and
// over polling: control-attacks.test.ts.
let stack: Stack;
/** Every request the page and its workers send (URL, headers, body), as the browser reports it. */
const sent: Promise<string>[] = [];
const record = (request: Request) =>
  sent.push(
    request
      .allHeaders()
      .then((headers) => `${request.url()} ${JSON.stringify(headers)} ${request.postData() ?? ''}`),
  );
let page: ReturnType<typeof controlPage>;
const op = (operation: Parameters<typeof rollout>[1], input: Record<string, unknown>) =>
  rollout(stack.server, operation, { model: 'digits', ...input });
const withVersion = (version: string) => (manifest: Record<string, unknown>) => {
  manifest.version = version;
};

beforeAll(async () => {
  stack = await startStack();
  stack.context.on('request', record);
  await stack.publish('models/digits');
  await stack.publishVariant('models/digits', withVersion('1.0.5'));
  await stack.publishVariant('models/digits', withVersion('1.2.0'));
  await op('setStable', { version: '1.1.0' });
  page = controlPage(stack.page);
  await page.goto(stack.site.url);
  await page.open('a', stack.clientOptions());
});
afterAll(() => stack?.close());

describe('rollout control in the browser', () => {
  it('loads the stable version with its assignment while no rollout runs', async () => {
    const loaded = await page.load('digits', { client: 'a', name: 'digits' });
    expect(loaded).toMatchObject({
      ok: true,
      version: '1.1.0',
      assignment: { version: '1.1.0', stable: '1.1.0', rollout: null, reason: 'stable' },
    });
    expect(await page.run('digits')).toEqual({ ok: true });
  });

  it('switches to the candidate of a rollout at 100% with reason rollout', async () => {
    await op('start', { candidate: '1.2.0', percent: 100 });
    const [change] = await page.versionChanges('digits', 1);
    expect(change).toMatchObject({ name: 'digits', from: '1.1.0', to: '1.2.0', reason: 'rollout' });
    const state = await page.state('digits');
    expect(state.version).toBe('1.2.0');
    expect(state.assignment).toMatchObject({
      version: '1.2.0',
      stable: '1.1.0',
      rollout: { candidate: '1.2.0', percent: 100 },
      reason: 'in-rollout',
    });
    expect(await page.run('digits')).toEqual({ ok: true });
  });

  it('moves back to stable on a rollback pushed over SSE while run() calls keep succeeding', async () => {
    page.startLoop('digits');
    await page.loopRuns('digits', 20);
    const committed = Date.now();
    await op('rollback', {});
    const changes = await page.versionChanges('digits', 2);
    await page.loopRuns('digits', (await page.state('digits')).versionChanges.length + 20);
    const loop = await page.stopLoop('digits');
    expect(changes[1]).toMatchObject({ from: '1.2.0', to: '1.1.0', reason: 'rollback' });
    expect(loop.failures).toEqual([]);
    expect(loop.runs).toBeGreaterThan(20);
    // Pushed, not polled: the stream was open and the batch route was never asked.
    expect(stack.proxy.requests.some((r) => r.path.startsWith('/api/v1/control?'))).toBe(false);
    expect((await page.state('digits')).assignment).toMatchObject({ version: '1.1.0', reason: 'stable' });
    console.log(
      `rollback → versionChanged in the page: ${changes[1]!.at - committed} ms (mutation sent to event)`,
    );
  });

  it('moves a model requested by exact version off it when the version is blocked', async () => {
    const loaded = await page.load('exact', { client: 'a', name: 'digits', selector: { version: '1.0.5' } });
    expect(loaded).toMatchObject({ ok: true, version: '1.0.5', assignment: { reason: 'exact-version' } });
    await op('block', { version: '1.0.5' });
    const [change] = await page.versionChanges('exact', 1);
    expect(change).toMatchObject({ from: '1.0.5', to: '1.1.0', reason: 'blocked' });
    expect((await page.state('exact')).assignment).toMatchObject({ version: '1.1.0', reason: 'blocked' });
    expect(await page.run('exact')).toEqual({ ok: true });
  });

  it('never lets the device id leave the device', async () => {
    const id = await page.deviceId();
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    const requests = await Promise.all(sent);
    expect(requests.filter((r) => r.includes('/api/v1/events')).length).toBeGreaterThan(0);
    expect(requests.filter((r) => r.includes('/control')).length).toBeGreaterThan(3);
    for (const request of requests) expect(request).not.toContain(id);
    // And what reached the server, counted on the other side of the wire.
    for (const request of stack.proxy.requests)
      expect(`${request.path} ${request.body ?? ''}`).not.toContain(id);
  });
});
