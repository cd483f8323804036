import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import type { VersionDriftReport } from '../../../server/drift/report.ts';
import { startFerryServer, type FerryServer } from '../../support/ferry-server.ts';
import { callTrpc, publishOverHttp } from '../../support/registry-http.ts';
import { launchBrowser, type LaunchedBrowser } from './browser.ts';
import { startCountingProxy, type CountingProxy } from './counting-proxy.ts';
import { harness } from './harness.ts';
import { root } from './stack.ts';
import { startStaticServer, type StaticServer } from './static-server.ts';

/** The ingest route the worker posts batches to. */
export const INGEST_PATH = '/api/v1/telemetry';

/** A browser test stack whose Ferry server can be stopped and started again on its data and port. */
export interface RestartableStack {
  site: StaticServer;
  server: () => FerryServer;
  proxy: CountingProxy;
  browser: LaunchedBrowser;
  page: Page;
  h: ReturnType<typeof harness>;
  publish(dir: string): Promise<void>;
  clientOptions(extra?: Record<string, unknown>): Record<string, unknown>;
  stopServer(): Promise<void>;
  restartServer(): Promise<void>;
  /** Runs telemetry.summary counted for `model@version` (admin token). */
  summaryRuns(model: string, version: string): Promise<number>;
  close(): Promise<void>;
}

/** Like stack.ts's startStack, but the server keeps its data directory across stop and restart. */
export async function startRestartableStack(): Promise<RestartableStack> {
  const site = await startStaticServer({ isolated: true });
  const dataDir = mkdtempSync(path.join(tmpdir(), 'ferry-telemetry-e2e-'));
  const env = { FERRY_ALLOWED_ORIGINS: site.origin };
  let server: FerryServer | undefined = await startFerryServer({ dataDir, env });
  const port = server.port;
  const { adminToken, publicKey } = server;
  const proxy = await startCountingProxy(server.url);
  const browser = await launchBrowser();
  const page = await browser.context.newPage();
  const h = harness(page);
  await h.goto(site.url);
  const current = () => {
    if (!server) throw new Error('the Ferry server is stopped');
    return server;
  };
  return {
    site,
    server: current,
    proxy,
    browser,
    page,
    h,
    async publish(dir) {
      const reply = await publishOverHttp(current().url, adminToken, path.resolve(root, dir));
      if (reply.status !== 200)
        throw new Error(`publish ${dir}: ${reply.status} ${JSON.stringify(reply.body)}`);
    },
    clientOptions: (extra = {}) => ({ serverUrl: proxy.url, publicKey, ...extra }),
    async stopServer() {
      await server?.stop();
      server = undefined;
    },
    async restartServer() {
      server = await startFerryServer({ dataDir, env, port });
    },
    async summaryRuns(model, version) {
      const reply = await callTrpc(current().url, 'telemetry.summary', {
        query: true,
        token: adminToken,
        input: { model, version },
      });
      if (reply.status !== 200)
        throw new Error(`telemetry.summary: ${reply.status} ${JSON.stringify(reply.body)}`);
      const data = reply.body.result?.data as { versions: { version: string; runs: number }[] };
      return data.versions.find((v) => v.version === version)?.runs ?? 0;
    },
    async close() {
      await browser.close();
      await proxy.close();
      await server?.stop();
      await site.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Default feature values of a tabular bundle's ferry.json, by feature name. */
export function tabularDefaults(manifest: {
  preprocessing: { kind: string; features?: { name: string; default: number }[] };
}): Record<string, number> {
  return Object.fromEntries((manifest.preprocessing.features ?? []).map((f) => [f.name, f.default]));
}

/** Waits (polling the page's client status) until its telemetry queue is empty. */
export async function drained(h: ReturnType<typeof harness>, clientId: string): Promise<void> {
  for (;;) {
    const { telemetry } = await h.status(clientId);
    if (!telemetry.enabled) throw new Error('telemetry is off');
    if (telemetry.queued === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Waits until the page's client has `batches` batches in its queue. */
export async function queued(
  h: ReturnType<typeof harness>,
  clientId: string,
  batches: number,
): Promise<void> {
  for (;;) {
    const { telemetry } = await h.status(clientId);
    if (telemetry.enabled && telemetry.queued >= batches) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** `drift.report` for `input` (model, optional version) with `server`'s admin token; throws unless 200. */
export async function driftReportOf(
  server: Pick<FerryServer, 'url' | 'adminToken'>,
  input: { model: string; version?: string },
): Promise<VersionDriftReport> {
  const reply = await callTrpc(server.url, 'drift.report', { query: true, token: server.adminToken, input });
  if (reply.status !== 200) throw new Error(`drift.report: ${reply.status} ${JSON.stringify(reply.body)}`);
  return reply.body.result?.data as VersionDriftReport;
}
