import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

/** Debian's Chromium; the browser tests never download one. */
export const CHROMIUM = process.env.FERRY_CHROMIUM ?? '/usr/bin/chromium';

const BASE_ARGS = [
  '--no-sandbox',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Options of {@link launchBrowser}. */
export interface LaunchOptions {
  /** Keep the GPU process and expose WebGPU (SwiftShader's software adapter). */
  webgpu?: boolean;
}

/** Chromium running on a profile of its own. */
export interface LaunchedBrowser {
  context: BrowserContext;
  /** Closes the browser and deletes its profile. */
  close(): Promise<void>;
}

/**
 * Chromium on a fresh profile (its own `--user-data-dir`) for one test file, launched headless with
 * the flags of DEVELOPERS.md. Fails with a one-line how-to when Chromium is missing: browser
 * tests never skip.
 */
export async function launchBrowser(options: LaunchOptions = {}): Promise<LaunchedBrowser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM}: run \`sudo apt-get install -y chromium\` (or .ci/run)`,
    );
  }
  const userDataDir = mkdtempSync(path.join(tmpdir(), 'ferry-chromium-'));
  const removeProfile = () => rmSync(userDataDir, { recursive: true, force: true });
  const args = options.webgpu ? [...BASE_ARGS, '--enable-unsafe-webgpu'] : [...BASE_ARGS, '--disable-gpu'];
  const context = await chromium
    .launchPersistentContext(userDataDir, { executablePath: CHROMIUM, headless: true, args })
    .catch((error: unknown) => {
      removeProfile();
      throw error;
    });
  return {
    context,
    async close() {
      await context.close();
      removeProfile();
    },
  };
}
