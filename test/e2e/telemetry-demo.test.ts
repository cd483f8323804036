import type { Page, Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TelemetryBatch } from '../../shared/schemas/telemetry.ts';
import { startFerryServer, type FerryServer } from '../support/ferry-server.ts';
import { launchBrowser, type LaunchedBrowser } from './support/browser.ts';
import { driftReportOf, INGEST_PATH } from './support/telemetry.ts';

// The two sliders moved to the far right: about +4 reference σ each.
const MOVED = { worst_radius: 30, worst_concave_points: 0.28 };

let server: FerryServer;
let browser: LaunchedBrowser;
let page: Page;
/** Every telemetry request the page and its worker send, as the browser reports it. */
const ingest: string[] = [];
const record = (request: Request) => {
  if (new URL(request.url()).pathname === INGEST_PATH) ingest.push(request.postData() ?? '');
};
beforeAll(async () => {
  server = await startFerryServer({ env: { FERRY_MODELS_DIR: 'models' } }); // the example bundles
  browser = await launchBrowser();
  browser.context.on('request', record);
  page = await browser.context.newPage();
});
afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

const count = async (testId: string) => Number(await page.getByTestId(testId).textContent());

/** Clicks "Simulate 200 visitors" and waits until all 200 ran (the panel's run count moves). */
async function simulateVisitors(): Promise<void> {
  const panel = page.getByTestId('prediction-panel');
  const before = Number(await panel.getAttribute('data-runs'));
  await page.getByTestId('simulate-visitors').click();
  await expect
    .poll(async () => Number(await panel.getAttribute('data-runs')), { timeout: 60_000 })
    .toBeGreaterThan(before);
  expect(await page.getByTestId('simulated-runs').textContent()).toBe('Ran 200.');
}

/** Runs breast-cancer's latest version has on the server. */
const serverRuns = async () => (await driftReportOf(server, { model: 'breast-cancer' })).runs;

/** Runs counted by the batches in `bodies`, each batch once (a retried batch repeats its id). */
function runsIn(bodies: readonly string[]): number {
  const batches = new Map(
    bodies.map((body) => TelemetryBatch.parse(JSON.parse(body))).map((b) => [b.batchId, b]),
  );
  return [...batches.values()].reduce((sum, batch) => sum + batch.runs, 0);
}

/**
 * Simulates 200 visitors with telemetry on and sends their counts: the batches sent since the
 * `since`-th telemetry request count exactly those 200 runs, and the server's count rises from
 * `serverBefore` by exactly 200.
 */
async function sendsExactly200Runs(since: number, serverBefore: number): Promise<void> {
  await simulateVisitors();
  await page.getByTestId('telemetry-flush').click();
  await expect.poll(() => count('telemetry-sent'), { timeout: 60_000 }).toBeGreaterThanOrEqual(1);
  await expect.poll(() => count('telemetry-queued'), { timeout: 60_000 }).toBe(0);
  expect(runsIn(ingest.slice(since))).toBe(200);
  await expect.poll(serverRuns, { timeout: 20_000 }).toBe(serverBefore + 200);
}

/** The IndexedDB database of the worker's telemetry queue (workers/telemetry/queue.ts). */
const QUEUE_DB = 'ferry-telemetry';

/** The names of the page origin's IndexedDB databases. */
const databases = () => page.evaluate(async () => (await indexedDB.databases()).map((db) => db.name));

/** Reloads the demo and waits until its model is ready again. */
async function reloadDemo(): Promise<void> {
  await page.reload();
  await page.locator('[data-testid=model-status][data-state=ready]').waitFor({ timeout: 60_000 });
}

describe('the demo’s telemetry (breast-cancer)', () => {
  it('shows batches queued and sent, and its sliders produce drift that drift.report flags', async () => {
    await page.goto(`${server.url}/demo/breast-cancer`);
    await page.locator('[data-testid=model-status][data-state=ready]').waitFor({ timeout: 60_000 });
    await page.getByTestId('telemetry-status').waitFor();
    for (const [name, value] of Object.entries(MOVED)) {
      await page.locator(`input[data-feature="${name}"]`).fill(String(value));
    }
    await page.getByTestId('simulate-visitors').click();
    await expect
      .poll(() => page.getByTestId('simulated-runs').textContent(), { timeout: 60_000 })
      .toBe('Ran 200.');
    await page.getByTestId('telemetry-flush').click();
    await expect.poll(() => count('telemetry-sent'), { timeout: 60_000 }).toBeGreaterThanOrEqual(1);
    await expect.poll(() => count('telemetry-queued'), { timeout: 60_000 }).toBe(0);
    expect(await count('telemetry-batches')).toBeGreaterThanOrEqual(1);

    const report = await driftReportOf(server, { model: 'breast-cancer' });
    expect(report.runs).toBeGreaterThanOrEqual(200);
    const drifted = report.report.features.filter((f) => f.status === 'drifted').map((f) => f.name);
    expect(drifted.sort()).toEqual(Object.keys(MOVED).sort());
  });

  // Continues on the page the test above left: telemetry on, its batches sent, the queue empty.
  it('sends nothing while the consent switch is off and runs go on, and counts from nothing once it is on again', async () => {
    const consent = page.getByLabel('Share anonymous usage statistics');
    expect(await consent.isChecked()).toBe(true);
    const runsBefore = await serverRuns();

    await consent.uncheck();
    await page.locator('[data-testid=telemetry-status][data-enabled=false]').waitFor();
    expect(await page.getByTestId('telemetry-off').textContent()).toContain('nothing is counted');
    expect(await page.getByTestId('telemetry-flush').count()).toBe(0);
    const atWithdrawal = ingest.length;
    await simulateVisitors();
    // What makes an SDK with telemetry on queue and send its counts at once.
    await page.evaluate(() => window.dispatchEvent(new Event('pagehide')));
    expect(await consent.isChecked()).toBe(false);
    expect(ingest.length).toBe(atWithdrawal);

    await consent.check();
    await page.locator('[data-testid=telemetry-status][data-enabled=true]').waitFor();
    expect([
      await count('telemetry-batches'),
      await count('telemetry-queued'),
      await count('telemetry-sent'),
    ]).toEqual([0, 0, 0]);
    // Only the 200 runs made after consent came back: none of the 200 made while it was off, and no
    // request carried them, whenever it left.
    await sendsExactly200Runs(atWithdrawal, runsBefore);
    expect(await consent.isChecked()).toBe(true);
  });

  // Continues on the page the test above left: telemetry on, its batches sent, the queue empty.
  it('remembers the switch turned off on the next visit and across a reload: no queue is opened and nothing is sent while runs go on', async () => {
    const consent = page.getByLabel('Share anonymous usage statistics');
    const runsBefore = await serverRuns();
    await consent.uncheck();
    await page.locator('[data-testid=telemetry-status][data-enabled=false]').waitFor();
    const atLeave = ingest.length;

    // Leave for another page of the same origin, and delete the queue's database that the visits
    // with telemetry on opened: a client created with telemetry on opens it again at once.
    await page.goto(`${server.url}/.well-known/ferry.json`);
    expect(await databases()).toContain(QUEUE_DB);
    await page.evaluate(
      (name) =>
        new Promise((resolve, reject) => {
          const request = indexedDB.deleteDatabase(name);
          request.onsuccess = resolve;
          request.onerror = () => reject(request.error);
        }),
      QUEUE_DB,
    );
    expect(await databases()).not.toContain(QUEUE_DB);

    await page.goto(`${server.url}/demo/breast-cancer`);
    await page.locator('[data-testid=model-status][data-state=ready]').waitFor({ timeout: 60_000 });
    await page.locator('[data-testid=telemetry-status][data-enabled=false]').waitFor();
    expect(await consent.isChecked()).toBe(false);
    await simulateVisitors();
    await reloadDemo(); // a real pagehide, which makes a client with telemetry on send at once
    await page.locator('[data-testid=telemetry-status][data-enabled=false]').waitFor();
    expect(await consent.isChecked()).toBe(false);
    await simulateVisitors();
    expect(ingest.length).toBe(atLeave);
    // Created with telemetry off, not switched off after it started: no queue was even opened.
    expect(await databases()).not.toContain(QUEUE_DB);

    // Turned on again: exactly its next 200 runs go out, none of the 400 made while it was off.
    await consent.check();
    await page.locator('[data-testid=telemetry-status][data-enabled=true]').waitFor();
    await sendsExactly200Runs(atLeave, runsBefore);

    // And on is remembered too.
    await reloadDemo();
    await page.locator('[data-testid=telemetry-status][data-enabled=true]').waitFor();
    expect(await consent.isChecked()).toBe(true);
  });

  // Continues on the page the test above left: telemetry on, remembered.
  it('applies a choice made in another tab: a no there stops this tab sending, a yes here reaches it', async () => {
    const other = await browser.context.newPage();
    await other.goto(`${server.url}/demo/breast-cancer`);
    const switches = [page, other].map((tab) => tab.getByLabel('Share anonymous usage statistics'));
    const shown = (tab: Page, enabled: boolean) =>
      tab.locator(`[data-testid=telemetry-status][data-enabled=${enabled}]`).waitFor();
    await shown(other, true);

    await switches[1]!.uncheck();
    await shown(page, false);
    expect(await switches[0]!.isChecked()).toBe(false);
    const atNo = ingest.length;
    await simulateVisitors();
    await page.evaluate(() => window.dispatchEvent(new Event('pagehide')));
    expect(ingest.length).toBe(atNo);

    await switches[0]!.check();
    await shown(other, true);
    expect(await switches[1]!.isChecked()).toBe(true);
    await other.close();
  });
});
