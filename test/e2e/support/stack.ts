import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { startFerryServer, type FerryServer } from '../../support/ferry-server.ts';
import { bothOrNeither } from '../../support/both-or-neither.ts';
import { bundleVariant, removeTempDir } from '../../support/bundles.ts';
import { publishOverHttp } from '../../support/registry-http.ts';
import { launchBrowser, type LaunchedBrowser, type LaunchOptions } from './browser.ts';
import { startCountingProxy, type CountingProxy } from './counting-proxy.ts';
import { harness } from './harness.ts';
import { startStaticServer, type StaticServer } from './static-server.ts';

/** The repository root. */
export const root = path.resolve(import.meta.dirname, '..', '..', '..');

/** Everything one browser test file runs against. */
export interface Stack {
  /** The product team's site (another origin than Ferry), serving dist/sdk and the test pages. */
  site: StaticServer;
  server: FerryServer;
  /** In front of `server`; pages use `proxy.url` as their serverUrl. */
  proxy: CountingProxy;
  browser: LaunchedBrowser;
  context: BrowserContext;
  page: Page;
  h: ReturnType<typeof harness>;
  /** Publishes a bundle folder (relative to the repo root or absolute) through the server's API. */
  publish(dir: string): Promise<void>;
  /** Publishes a {@link bundleVariant} of `from` and removes the copy, whether or not it published. */
  publishVariant(from: string, edit: Parameters<typeof bundleVariant>[1]): Promise<void>;
  /** Client options pointing at this stack's Ferry server. */
  clientOptions(extra?: Record<string, unknown>): Record<string, unknown>;
  close(): Promise<void>;
}

/**
 * Starts a real Ferry server (allowing the site's origin), a counting proxy in front of it, the
 * site, and Chromium on a fresh profile with the harness page open.
 */
export async function startStack(
  options: LaunchOptions & { isolated?: boolean; alsoAllow?: string[]; env?: Record<string, string> } = {},
): Promise<Stack> {
  const site = await startStaticServer({ isolated: options.isolated ?? true });
  const origins = [site.origin, ...(options.alsoAllow ?? [])].join(',');
  const [server, browser] = await bothOrNeither(
    startFerryServer({ env: { FERRY_ALLOWED_ORIGINS: origins, ...options.env } }),
    launchBrowser(options),
    { first: (s) => s.stop(), second: (b) => b.close(), after: () => site.close() },
  );
  const proxy = await startCountingProxy(server.url);
  const { context } = browser;
  const page = await context.newPage();
  const h = harness(page);
  await h.goto(site.url);
  const publish = async (dir: string) => {
    const reply = await publishOverHttp(server.url, server.adminToken, path.resolve(root, dir));
    if (reply.status !== 200)
      throw new Error(`publish ${dir}: ${reply.status} ${JSON.stringify(reply.body)}`);
  };
  return {
    site,
    server,
    proxy,
    browser,
    context,
    page,
    h,
    publish,
    async publishVariant(from, edit) {
      const variant = bundleVariant(from, edit);
      try {
        await publish(variant);
      } finally {
        removeTempDir(variant);
      }
    },
    clientOptions: (extra = {}) => ({ serverUrl: proxy.url, publicKey: server.publicKey, ...extra }),
    async close() {
      await browser.close();
      await proxy.close();
      await server.stop();
      await site.close();
    },
  };
}
