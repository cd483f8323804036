import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { root } from './support/stack.ts';
import {
  drained,
  INGEST_PATH,
  queued,
  startRestartableStack,
  tabularDefaults,
  type RestartableStack,
} from './support/telemetry.ts';

const manifest = JSON.parse(readFileSync(path.join(root, 'models/breast-cancer/ferry.json'), 'utf8')) as {
  version: string;
  preprocessing: { kind: string; features: { name: string; default: number; min: number; max: number }[] };
};
const input = tabularDefaults(manifest);
// Small batches and short backoff, so that many batches meet the proxy's faults in little time.
const telemetry = { flushRuns: 3, retry: { baseDelayMs: 20, maxDelayMs: 300 } };

let stack: RestartableStack;
beforeAll(async () => {
  stack = await startRestartableStack();
  await stack.publish('models/breast-cancer');
});
afterAll(() => stack?.close());

async function runs(count: number) {
  for (let i = 0; i < count; i++) {
    const report = await stack.h.run('breast-cancer', { kind: 'tabular', values: input });
    expect(report.error).toBeUndefined();
  }
}

describe('telemetry delivery, end to end', () => {
  it('counts exactly K runs made offline across a reload, through a proxy that drops, loses, duplicates and delays', async () => {
    const { h } = stack;
    await h.open('t', stack.clientOptions({ telemetry }));
    expect((await h.load('t', 'breast-cancer')).error).toBeUndefined();

    await stack.stopServer();
    const before = 16; // 5 batches of 3 by flushRuns, 1 more by the flush below
    await runs(before);
    await h.flushTelemetry('t');
    await queued(h, 't', 6);
    expect((await h.status('t')).telemetry).toMatchObject({ sent: 0, failedAttempts: expect.any(Number) });

    // The page reloads while the server is still down: the queue is in IndexedDB, the model in the cache.
    await h.reload();
    await h.open('t', stack.clientOptions({ telemetry }));
    const offline = await h.load('t', 'breast-cancer');
    // A warm start: from the cache, asking nothing (so it does not know the server is down).
    expect(offline.info).toMatchObject({ fromCache: true, bytesDownloaded: 0 });
    const after = 14;
    await runs(after);
    await h.flushTelemetry('t');
    await queued(h, 't', 6 + 5);

    stack.proxy.faults(INGEST_PATH, { seed: 8, drop: 0.2, lose: 0.2, duplicate: 0.2, delay: 0.15 });
    await stack.restartServer();
    await drained(h, 't');

    const ingest = stack.proxy.requests.filter((r) => r.path === INGEST_PATH && r.fault !== undefined);
    const faults = new Set(ingest.map((r) => r.fault));
    expect([...faults].sort(), 'every kind of fault met a batch').toEqual([
      'delay',
      'drop',
      'duplicate',
      'lose',
      'pass',
    ]);
    const status = (await h.status('t')).telemetry;
    expect(status).toMatchObject({ rejected: 0, droppedBatches: 0 });
    expect(await stack.summaryRuns('breast-cancer', manifest.version)).toBe(before + after);
  });

  it('queues and sends what it counted when the page hides, long before flushRuns', async () => {
    const { h, page } = stack;
    const counted = await stack.summaryRuns('breast-cancer', manifest.version);
    await h.open('hide', stack.clientOptions());
    expect((await h.load('hide', 'breast-cancer', { key: 'hidden' })).error).toBeUndefined();
    for (let i = 0; i < 5; i++)
      expect((await h.run('hidden', { kind: 'tabular', values: input })).ok).toBe(true);
    expect((await h.status('hide')).telemetry).toMatchObject({ batches: 0 });
    // What the browser does when the tab is switched away from or the window minimised.
    await page.evaluate(() => {
      Object.defineProperty(document, 'visibilityState', { value: 'hidden', configurable: true });
      document.dispatchEvent(new Event('visibilitychange'));
    });
    for (;;) {
      const status = (await h.status('hide')).telemetry;
      if (status.enabled && status.sent >= 1 && status.queued === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(await stack.summaryRuns('breast-cancer', manifest.version)).toBe(counted + 5);
  });
});
