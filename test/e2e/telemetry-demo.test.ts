import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFerryServer, type FerryServer } from '../support/ferry-server.ts';
import { launchBrowser, type LaunchedBrowser } from './support/browser.ts';
import { driftReportOf } from './support/telemetry.ts';

// The two sliders moved to the far right: about +4 reference σ each.
const MOVED = { worst_radius: 30, worst_concave_points: 0.28 };

let server: FerryServer;
let browser: LaunchedBrowser;
let page: Page;
beforeAll(async () => {
  server = await startFerryServer({ env: { FERRY_MODELS_DIR: 'models' } }); // the example bundles
  browser = await launchBrowser();
  page = await browser.context.newPage();
});
afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

const count = async (testId: string) => Number(await page.getByTestId(testId).textContent());

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
});
