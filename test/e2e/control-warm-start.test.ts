import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addFile } from '../support/bundles.ts';
import { callTrpc } from '../support/registry-http.ts';
import { controlPage, rollout } from './support/control-page.ts';
import { startStack, type Stack } from './support/stack.ts';

// A warm start that waits on no network request (issue 9, point 6): once a device holds an
// unexpired, verified control document and the assigned version's verified bundle, a reload
// reaches its first result while the proxy still holds every request to the Ferry server; the
// news (a rollout started meanwhile) arrives afterwards and switches through versionChanged.
const HOLD_MS = 2_000;
// 1.2.0 carries one file of its own, so a download of its bundle would show.
const notes = new TextEncoder().encode('release notes of 1.2.0');
const notesBlob = `/api/v1/blobs/${createHash('sha256').update(notes).digest('hex')}`;
let stack: Stack;
let page: ReturnType<typeof controlPage>;

beforeAll(async () => {
  stack = await startStack();
  await stack.publish('models/digits');
  await stack.publishVariant('models/digits', (manifest, dir) => {
    manifest.version = '1.2.0';
    addFile(manifest, dir, { path: 'notes.txt', bytes: notes, role: 'other' });
  });
  // Stable pinned below latest, so the warm load must follow the cached document, not the channel.
  await rollout(stack.server, 'setStable', { model: 'digits', version: '1.1.0' });
  page = controlPage(stack.page);
  await page.goto(stack.site.url);
});
afterAll(async () => {
  await stack?.close();
});

describe('warm start', () => {
  it('reaches its first result on a reload while every request to the server is still held, then switches on the news', async () => {
    const options = stack.clientOptions({ telemetry: false });
    await page.open('cold', options);
    expect(await page.load('cold', { client: 'cold', name: 'digits' })).toMatchObject({
      ok: true,
      version: '1.1.0',
      assignment: { reason: 'stable' },
    });
    expect(await page.run('cold')).toEqual({ ok: true });
    // The cold load downloaded the pinned version's files only, each once, never `latest`'s bundle.
    const blobs = stack.proxy.blobRequests().map((r) => r.path);
    expect(blobs).not.toContain(notesBlob);
    expect(new Set(blobs).size).toBe(blobs.length);

    await page.goto(stack.site.url); // a reload: same profile, same IndexedDB
    const before = stack.proxy.requests.length;
    stack.proxy.holdAll(HOLD_MS);
    // News the device cannot know yet: everyone moves to 1.2.0.
    await rollout(stack.server, 'start', { model: 'digits', candidate: '1.2.0', percent: 100 });

    await page.open('warm', options);
    const loaded = await page.load('warm', { client: 'warm', name: 'digits' });
    const ran = await page.run('warm');
    // Every request the page made so far is still held: the load and the run waited on none.
    const heldAtResult = stack.proxy.held.map((h) => ({ ...h }));
    expect(heldAtResult.filter((h) => h.released)).toEqual([]);
    expect(loaded).toMatchObject({ ok: true, version: '1.1.0', assignment: { reason: 'stable' } });
    expect(ran).toEqual({ ok: true });
    expect(stack.proxy.requests.length).toBe(before);
    const state = await page.state('warm');
    expect(state.versionChanges).toEqual([]);

    // The background checks (control feed, control route, manifest) were held; once through,
    // the rollout started meanwhile switches the model, with no failed run.
    const [change] = await page.versionChanges('warm', 1);
    expect(change).toMatchObject({ name: 'digits', from: '1.1.0', to: '1.2.0', reason: 'rollout' });
    expect(await page.run('warm')).toEqual({ ok: true });
    expect(stack.proxy.blobRequests().map((r) => r.path)).toContain(notesBlob);
    expect(stack.proxy.held.length).toBeGreaterThan(0);
    stack.proxy.holdAll(null);
    expect((await page.state('warm')).errors).toEqual([]);
  });

  it('never starts a yanked version: the running one leaves it at once, and a warm load of it by exact version serves stable', async () => {
    const reply = await callTrpc(stack.server.url, 'versions.setStatus', {
      input: { name: 'digits', version: '1.2.0', status: 'yanked' },
      token: stack.server.adminToken,
    });
    expect(reply.status).toBe(200);
    // The control document lists the yank, so the device online learns of it over SSE.
    const [, left] = await page.versionChanges('warm', 2);
    expect(left).toMatchObject({ name: 'digits', from: '1.2.0', to: '1.1.0', reason: 'blocked' });

    await page.goto(stack.site.url);
    const before = stack.proxy.requests.length;
    const heldBefore = stack.proxy.held.length;
    stack.proxy.holdAll(HOLD_MS);
    await page.open('pinned', stack.clientOptions({ telemetry: false }));
    const loaded = await page.load('pinned', {
      client: 'pinned',
      name: 'digits',
      selector: { version: '1.2.0' },
    });
    expect(await page.run('pinned')).toEqual({ ok: true });
    // Decided from the cached document alone: nothing was waited on, 1.2.0 never started.
    expect(stack.proxy.held.slice(heldBefore).filter((h) => h.released)).toEqual([]);
    expect(stack.proxy.requests.length).toBe(before);
    expect(loaded).toMatchObject({ ok: true, version: '1.1.0', assignment: { reason: 'blocked' } });
    expect((await page.state('pinned')).versionChanges).toEqual([]);
    stack.proxy.holdAll(null);
  });
});
