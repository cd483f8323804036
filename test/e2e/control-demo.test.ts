import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleVariant, removeTempDir } from '../support/bundles.ts';
import { startFerryServer, type FerryServer } from '../support/ferry-server.ts';
import { publishOverHttp } from '../support/registry-http.ts';
import { launchBrowser, type LaunchedBrowser } from './support/browser.ts';
import { rollout } from './support/control-page.ts';
import { root } from './support/stack.ts';

// The demo shows rollout control live: the assignment, why, and each switch as it happens.
let server: FerryServer;
let browser: LaunchedBrowser;

beforeAll(async () => {
  server = await startFerryServer({ env: { FERRY_MODELS_DIR: path.join(root, 'models') } });
  const variant = bundleVariant('models/digits', (manifest) => {
    manifest.version = '9.0.0';
  });
  try {
    const reply = await publishOverHttp(server.url, server.adminToken, variant);
    if (reply.status !== 200) throw new Error(`publish: ${JSON.stringify(reply.body)}`);
  } finally {
    removeTempDir(variant);
  }
  await rollout(server, 'setStable', { model: 'digits', version: '1.1.0' });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe('the demo', () => {
  it('shows the assignment and a rollout reaching this browser as it happens', async () => {
    const page = await browser.context.newPage();
    await page.goto(`${server.url}/demo/digits`);
    await page.locator('[data-testid=model-status][data-state=ready]').waitFor({ timeout: 0 });
    const panel = page.locator('[data-testid=assignment]');
    await panel.locator('[data-testid=assignment-reason][data-reason=stable]').waitFor({ timeout: 0 });
    expect(await panel.locator('[data-testid=assigned-version]').textContent()).toBe('1.1.0');

    await rollout(server, 'start', { model: 'digits', candidate: '9.0.0', percent: 100 });
    await panel.locator('[data-testid=version-changes] li[data-reason=rollout]').waitFor({ timeout: 0 });
    await panel.locator('[data-testid=assignment-reason][data-reason=in-rollout]').waitFor({ timeout: 0 });
    expect(await panel.locator('[data-testid=assigned-version]').textContent()).toBe('9.0.0');
    expect(await panel.locator('[data-testid=rollout]').textContent()).toContain('9.0.0 to 100%');
    expect(await page.locator('[data-testid=version]').textContent()).toBe('9.0.0');
  });
});
