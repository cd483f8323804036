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

/** The command-line flags for `options`; throws the how-to when Chromium is missing. */
function argsFor(options: LaunchOptions): string[] {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM}: run \`sudo apt-get install -y chromium\` (or .ci/run)`,
    );
  }
  return options.webgpu ? [...BASE_ARGS, '--enable-unsafe-webgpu'] : [...BASE_ARGS, '--disable-gpu'];
}

/**
 * Chromium on a fresh profile (its own `--user-data-dir`) for one test file, launched headless with
 * the flags of DEVELOPERS.md. Fails with a one-line how-to when Chromium is missing: browser
 * tests never skip.
 */
export async function launchBrowser(options: LaunchOptions = {}): Promise<LaunchedBrowser> {
  const args = argsFor(options);
  const userDataDir = mkdtempSync(path.join(tmpdir(), 'ferry-chromium-'));
  const removeProfile = () => rmSync(userDataDir, { recursive: true, force: true });
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

/** Several fresh profiles in one Chromium: each context keeps storage of its own (IndexedDB included). */
export interface LaunchedProfiles {
  contexts: BrowserContext[];
  /** Closes the browser and every context. */
  close(): Promise<void>;
}

/**
 * `count` fresh browser profiles, as separate devices, in one Chromium (cheaper than a browser per
 * profile when a test needs several devices at once), with the same flags as {@link launchBrowser}.
 */
export async function launchProfiles(count: number, options: LaunchOptions = {}): Promise<LaunchedProfiles> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: argsFor(options) });
  const contexts = await Promise.all(Array.from({ length: count }, () => browser.newContext()));
  return { contexts, close: () => browser.close() };
}
