import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listBundles, readBundleJson, readManifest } from '../../models/lib/bundle-files.ts';
import { SampleSet } from '../../shared/schemas/samples.ts';
import { bothOrNeither } from '../support/both-or-neither.ts';
import { startFerryServer, type FerryServer } from '../support/ferry-server.ts';
import { launchBrowser, type LaunchedBrowser } from './support/browser.ts';

const root = path.resolve(import.meta.dirname, '..', '..');
const shotsDir = path.join(root, 'test-results');
// The README's screenshot: refreshed with FERRY_UPDATE_DOCS=1 so a plain `npm test` leaves git clean.
const docsShot = path.join(root, 'docs', 'demo.png');

/** Every example bundle in models/, with the samples it ships. */
const bundles = listBundles().map((bundle) => ({
  manifest: readManifest(bundle),
  samples: SampleSet.parse(readBundleJson(bundle, 'samples.json')),
}));

let server: FerryServer;
let browser: LaunchedBrowser;
let context: BrowserContext;
let page: Page;

async function openModel(name: string): Promise<void> {
  await page.goto(`${server.url}/demo/${name}`);
  await page.locator(`[data-testid=model-panel][data-model="${name}"]`).waitFor();
  await page.locator('[data-testid=model-status][data-state=ready]').waitFor({ timeout: 60_000 });
}

/** Clicks a sample's button and waits for the run it starts to be shown. */
async function runSample(id: string, counter: string): Promise<void> {
  const shown = page.locator(counter);
  const before = Number((await shown.getAttribute('data-runs')) ?? '0');
  await page.locator(`[data-testid=sample][data-sample-id="${id}"]`).click();
  await expect
    .poll(async () => Number((await shown.getAttribute('data-runs')) ?? '0'), { timeout: 30_000 })
    .toBeGreaterThan(before);
}

async function shownScores(): Promise<Map<string, number>> {
  const rows = await page
    .locator('[data-testid=scores] li')
    .evaluateAll((items) =>
      items.map(
        (li) => [li.getAttribute('data-label') ?? '', Number(li.getAttribute('data-score'))] as const,
      ),
    );
  return new Map(rows);
}

beforeAll(async () => {
  // Exactly what the README tells a newcomer: `npm start` publishes every bundle in models/.
  [server, browser] = await bothOrNeither(startFerryServer({ npmStart: true }), launchBrowser(), {
    first: (s) => s.stop(),
    second: (b) => b.close(),
  });
  context = browser.context;
  page = await context.newPage();
  await page.setViewportSize({ width: 1200, height: 860 });
  mkdirSync(shotsDir, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe('the demo started with npm start', () => {
  it('publishes every bundle of models/ and lists it in the demo', async () => {
    await page.goto(`${server.url}/`);
    expect(new URL(page.url()).pathname).toBe('/demo');
    const tabs = await page
      .locator('[data-testid=model-tab]')
      .evaluateAll((els) => els.map((el) => el.getAttribute('data-model')));
    expect(tabs.sort()).toEqual(bundles.map((b) => b.manifest.name).sort());
  });

  for (const { manifest, samples } of bundles) {
    it(`shows ${manifest.name}'s load progress, cache, backend and version, and the expected output of each committed sample`, async () => {
      await openModel(manifest.name);
      await expect
        .poll(() => page.locator('[data-testid=progress]').getAttribute('data-percent'))
        .toBe('100');
      expect(await page.locator('[data-testid=version]').textContent()).toBe(manifest.version);
      expect(await page.locator('[data-testid=backend]').textContent()).toMatch(/^WASM · \d+ threads?/);
      expect(await page.locator('[data-testid=cache-state]').textContent()).toMatch(/downloaded|from cache/);

      for (const sample of samples.samples) {
        const expected = sample.expected;
        if ('boxes' in expected) {
          await runSample(sample.id, '[data-testid=box-count]');
          const boxes = await page
            .locator('[data-testid=boxes] li')
            .evaluateAll((items) => items.map((li) => JSON.parse(li.getAttribute('data-box') ?? '{}')));
          expect(boxes).toHaveLength(expected.boxes.length);
          boxes.forEach((box: Record<string, number>, i) => {
            const want = expected.boxes[i] as Record<string, number>;
            for (const key of ['x', 'y', 'width', 'height'])
              expect(box[key]).toBeCloseTo(want[key] as number, 0);
            expect(box.score).toBeCloseTo(want.score as number, 2);
          });
        } else {
          await runSample(sample.id, '[data-testid=prediction-panel]');
          expect(await page.locator('[data-testid=prediction]').getAttribute('data-label')).toBe(
            expected.label,
          );
          const scores = await shownScores();
          const labels = manifest.labels ?? [];
          expected.probabilities.forEach((p, i) => {
            const label = labels[i] as string;
            // Shown bars are the top 10; all our bundles have ≤ 10 labels, so every one is checked.
            expect(scores.get(label), `${sample.id} ${label}`).toBeCloseTo(p, 3);
          });
        }
        expect(await page.locator('[data-testid=latency]').textContent()).toMatch(/\d+(\.\d+)? (ms|s)$/);
      }
      await page.screenshot({ path: path.join(shotsDir, `demo-${manifest.name}.png`), fullPage: true });
    });
  }

  it('classifies a digit drawn with the mouse', async () => {
    await openModel('digits');
    const pad = page.locator('[data-testid=digit-pad]');
    const box = await pad.boundingBox();
    if (!box) throw new Error('digit pad not laid out');
    const panel = page.locator('[data-testid=prediction-panel]');
    const before = Number(await panel.getAttribute('data-runs'));
    // A one: a short flag, then a vertical stroke down the middle.
    const at = (fx: number, fy: number) => [box.x + box.width * fx, box.y + box.height * fy] as const;
    await page.mouse.move(...at(0.4, 0.28));
    await page.mouse.down();
    for (const [fx, fy] of [
      [0.52, 0.15],
      [0.52, 0.5],
      [0.52, 0.85],
    ] as const) {
      await page.mouse.move(...at(fx, fy), { steps: 8 });
    }
    await page.mouse.up();
    // Same wait as runSample: vitest's default of one second is too short on a loaded machine.
    await expect
      .poll(async () => Number(await panel.getAttribute('data-runs')), { timeout: 30_000 })
      .toBeGreaterThan(before);
    expect(await page.locator('[data-testid=prediction]').getAttribute('data-label')).toBe('1');
    await page.screenshot({ path: path.join(shotsDir, 'demo.png') });
    if (process.env.FERRY_UPDATE_DOCS === '1') await page.screenshot({ path: docsShot });
  });

  it('loads every model from the cache after a reload, with nothing downloaded', async () => {
    for (const { manifest } of bundles) {
      await openModel(manifest.name);
      expect(await page.locator('[data-testid=cache-state]').textContent()).toBe(
        'from cache (0 B downloaded)',
      );
    }
  });
});
