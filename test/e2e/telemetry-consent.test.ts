import type { Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TelemetryBatch } from '../../shared/schemas/telemetry.ts';
import { callTrpc } from '../support/registry-http.ts';
import type { FerryStatus } from '../../workers/types.ts';
import { startStack, type Stack } from './support/stack.ts';
import { INGEST_PATH } from './support/telemetry.ts';

type TelemetrySetting = boolean | Record<string, unknown>;

/**
 * Runs in the harness page: one SDK client on digits, driven through `window.consent`, with its
 * telemetry consent changed at run time.
 */
const IN_PAGE = `async () => {
  const sdk = await import('/sdk/client.js');
  const state = { workers: [] };
  window.consent = {
    // workerUrl: made through the \`worker\` factory, so that the page holds the Worker to kill.
    async open({ workerUrl, ...options }) {
      state.client?.terminate();
      const worker = () => {
        const made = new Worker(workerUrl, { type: 'module' });
        state.workers.push(made);
        return made;
      };
      state.client = sdk.createFerryClient(workerUrl ? { ...options, worker } : options);
      state.model = state.client.model('digits');
      return (await state.model.ready()).version;
    },
    async run(n) {
      const pixels = () => ({ data: new Float32Array(64).fill(5), dims: [1, 1, 8, 8] });
      for (let i = 0; i < n; i++) await state.model.run({ pixels: pixels() });
    },
    set: (setting) => state.client.setTelemetry(setting),
    pause: () => state.client.pauseTelemetry(),
    resume: () => state.client.resumeTelemetry(),
    flush: () => state.client.flushTelemetry(),
    status: async () => (await state.client.status()).telemetry,
    kill: () => state.workers.at(-1).terminate(),
    worker: async () => (await state.client.status()).worker,
    // What the worker's queue holds, read from the page (same origin, same IndexedDB).
    async stored() {
      if (!(await indexedDB.databases()).some((d) => d.name === 'ferry-telemetry')) return 0;
      const db = await new Promise((resolve, reject) => {
        const opening = indexedDB.open('ferry-telemetry');
        opening.onsuccess = () => resolve(opening.result);
        opening.onerror = () => reject(opening.error);
      });
      const count = await new Promise((resolve, reject) => {
        const counting = db.transaction('batches').objectStore('batches').count();
        counting.onsuccess = () => resolve(counting.result);
        counting.onerror = () => reject(counting.error);
      });
      db.close();
      return count;
    },
  };
}`;

/** Every request the page and its workers send, as the browser reports it. */
const seen: { url: string; body: string }[] = [];
const record = (request: Request) => seen.push({ url: request.url(), body: request.postData() ?? '' });
const ingestSeen = () => seen.filter((r) => new URL(r.url).pathname === INGEST_PATH);
const ingestProxied = () => stack.proxy.requests.filter((r) => r.path === INGEST_PATH);

let stack: Stack;
let version: string;
beforeAll(async () => {
  stack = await startStack();
  stack.context.on('request', record);
  await stack.publish('models/digits');
  await stack.page.evaluate(`(${IN_PAGE})()`);
});
afterAll(() => stack?.close());

const page = {
  open: (options: Record<string, unknown>) =>
    stack.page.evaluate(`window.consent.open(${JSON.stringify(options)})`) as Promise<string>,
  run: (n: number) => stack.page.evaluate(`window.consent.run(${n})`),
  set: (setting: TelemetrySetting) => stack.page.evaluate(`window.consent.set(${JSON.stringify(setting)})`),
  pause: () => stack.page.evaluate('window.consent.pause()'),
  resume: () => stack.page.evaluate('window.consent.resume()'),
  flush: () => stack.page.evaluate('window.consent.flush()'),
  status: () => stack.page.evaluate('window.consent.status()') as Promise<FerryStatus['telemetry']>,
  stored: () => stack.page.evaluate('window.consent.stored()') as Promise<number>,
  kill: () => stack.page.evaluate('window.consent.kill()'),
  worker: () => stack.page.evaluate('window.consent.worker()') as Promise<FerryStatus['worker']>,
  hide: () => stack.page.evaluate(() => window.dispatchEvent(new Event('pagehide'))),
};

/** Runs telemetry.summary counted for digits at the loaded version. */
async function serverRuns(): Promise<number> {
  const reply = await callTrpc(stack.server.url, 'telemetry.summary', {
    query: true,
    token: stack.server.adminToken,
    input: { model: 'digits', version },
  });
  if (reply.status !== 200)
    throw new Error(`telemetry.summary: ${reply.status} ${JSON.stringify(reply.body)}`);
  const data = reply.body.result?.data as { versions: { version: string; runs: number }[] };
  return data.versions.find((v) => v.version === version)?.runs ?? 0;
}

/** A number of the client's telemetry status, or undefined while telemetry is off. */
const statusOf = (key: 'queued' | 'failedAttempts') => async () => {
  const telemetry = await page.status();
  return telemetry.enabled ? telemetry[key] : undefined;
};

/** Waits until the client's queue is empty, every batch answered. */
const drained = () => expect.poll(statusOf('queued'), { timeout: 20_000 }).toBe(0);

const sentBatches = () => ingestSeen().map((r) => TelemetryBatch.parse(JSON.parse(r.body)));

describe('telemetry consent at run time', () => {
  it('sends no telemetry request from a client created with telemetry: false', async () => {
    version = await page.open(stack.clientOptions({ telemetry: false }));
    await page.run(5);
    await page.flush();
    await page.hide();
    expect(await page.status()).toEqual({ enabled: false });
    expect(ingestSeen()).toEqual([]);
    expect(ingestProxied()).toEqual([]);
  });

  it('once enabled, sends batches that count the runs made while enabled and not paused, only', async () => {
    await page.set(true);
    // The defaults a client created without options has.
    expect(await page.status()).toMatchObject({ enabled: true, paused: false, batches: 0 });
    await page.run(7);
    await page.pause();
    await page.run(3); // warm-up runs an app keeps out of its statistics
    expect(await page.status()).toMatchObject({ paused: true });
    await page.resume();
    await page.run(2);
    await page.flush();
    await drained();
    const batches = sentBatches();
    expect(batches.length).toBeGreaterThan(0);
    expect(batches.reduce((sum, b) => sum + b.runs, 0)).toBe(9);
    // The load came before consent: not counted.
    expect(batches.reduce((sum, b) => sum + b.loads.cold + b.loads.warm, 0)).toBe(0);
    expect(new Set(ingestProxied().map((r) => r.body))).toEqual(new Set(ingestSeen().map((r) => r.body)));
    expect(await serverRuns()).toBe(9);
  });

  it('withdrawn, deletes the batches still queued and sends no further telemetry request', async () => {
    // New settings while on: retries every 50–200 ms, so that a sender left running would show.
    await page.set({ retry: { baseDelayMs: 50, maxDelayMs: 200 } });
    stack.proxy.block(INGEST_PATH, 503);
    await page.run(4);
    await page.flush();
    await expect.poll(statusOf('failedAttempts'), { timeout: 10_000 }).toBeGreaterThanOrEqual(2);
    expect(await statusOf('queued')()).toBe(1);
    expect(await page.stored()).toBe(1);

    await page.set(false);
    const before = { seen: ingestSeen().length, proxied: ingestProxied().length };
    stack.proxy.block(INGEST_PATH, null);
    expect(await page.status()).toEqual({ enabled: false });
    expect(await page.stored()).toBe(0);
    await page.run(5);
    await page.flush();
    await page.hide();
    // Ten retry intervals: a sender still running would have posted by now.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect(ingestSeen().length).toBe(before.seen);
    expect(ingestProxied().length).toBe(before.proxied);
    expect(await serverRuns()).toBe(9);
  });

  it('enabled again, counts from nothing: what was queued at the withdrawal never arrives', async () => {
    await page.set(true);
    await page.run(2);
    await page.flush();
    await drained();
    await expect.poll(serverRuns).toBe(11);
  });

  it('keeps consent and the pause in the worker started after a crash', async () => {
    await page.open(stack.clientOptions({ telemetry: false, workerUrl: '/sdk/worker.js' }));
    await page.set(true);
    await page.pause();
    await page.kill();
    await expect.poll(page.worker).toBe('crashed');
    await page.run(3); // in a new worker, which loads digits again: paused, none of it counted
    expect(await page.status()).toMatchObject({ enabled: true, paused: true });
    await page.resume();
    await page.run(2);
    await page.flush();
    await drained();
    await expect.poll(serverRuns).toBe(13);
  });
});
