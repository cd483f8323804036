import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { removeTempDir } from '../support/bundles.ts';
import { pixelsInput } from './support/harness.ts';
import { root, startStack, type Stack } from './support/stack.ts';
import { startStaticServer, type StaticServer } from './support/static-server.ts';

/** Budget for dist/sdk/client.js, what a product team's page loads up front (ORT and wasm excluded). */
const CLIENT_BUDGET_BYTES = 40 * 1024;
const CLIENT_GZIP_BUDGET_BYTES = 12 * 1024;
const sdk = path.join(root, 'dist', 'sdk');

let stack: Stack;
let stranger: StaticServer;
beforeAll(async () => {
  stack = await startStack();
  stranger = await startStaticServer();
  await stack.publish('models/digits');
});
afterAll(async () => {
  await stack?.close();
  await stranger?.close();
});

async function openEmbed(site: StaticServer) {
  const page = await stack.context.newPage();
  const query = new URLSearchParams({ server: stack.proxy.url, key: stack.server.publicKey });
  await page.goto(`${site.url}embed.html?${query}`);
  await page.waitForFunction(() => document.body.dataset.state !== 'loading', null, { timeout: 60_000 });
  const state = await page.evaluate(() => document.body.dataset.state);
  const result = JSON.parse((await page.textContent('#result')) ?? '{}') as Record<string, unknown>;
  await page.close();
  return { state, result };
}

describe('the plain-HTML embed of dist/sdk', () => {
  it('runs a model from a page on another origin than the Ferry server', async () => {
    expect(new URL(stack.site.url).origin).not.toBe(new URL(stack.server.url).origin);
    const { state, result } = await openEmbed(stack.site);
    expect(state, JSON.stringify(result)).toBe('done');
    expect(result).toMatchObject({ version: '1.1.0', backend: 'wasm', top: { label: expect.any(String) } });
    expect(result.threads).toBeGreaterThan(1);
    expect(stack.site.requests).toContain('/sdk/client.js');
    expect(stack.site.requests.some((p) => p.endsWith('.wasm'))).toBe(true);
  });

  it('is refused for an origin FERRY_ALLOWED_ORIGINS does not list, with a message naming that cause', async () => {
    const { state, result } = await openEmbed(stranger);
    expect(state).toBe('error');
    expect(result).toMatchObject({
      code: 'NETWORK_ERROR',
      message: expect.stringContaining(
        `likely blocked by CORS; check that FERRY_ALLOWED_ORIGINS on the server includes ${stranger.origin}`,
      ),
    });
    const direct = await fetch(`${stack.server.url}/api/v1/models/digits/versions/latest/manifest`, {
      headers: { Origin: stranger.origin },
    });
    expect(direct.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('client options for hosting the SDK files', () => {
  it('runs the exported ./worker script through the `worker` factory, with wasm from `assetsUrl`', async () => {
    await stack.h.goto(stack.site.url);
    const assetsUrl = `${stack.site.origin}/ort-assets/`;
    await stack.h.open('own', stack.clientOptions({ workerUrl: '/sdk/worker.js?via=factory', assetsUrl }));
    const load = await stack.h.load('own', 'digits');
    expect(load.error).toBeUndefined();
    expect(
      (
        await stack.h.run(
          'digits',
          pixelsInput((i) => i % 5),
        )
      ).result?.scores,
    ).toHaveLength(10);
    expect(stack.site.requests).toContain('/sdk/worker.js?via=factory');
    expect(stack.site.requests).toContain('/ort-assets/ort-wasm-simd-threaded.wasm');
  });

  it('reports a worker script that cannot start as BACKEND_UNAVAILABLE instead of hanging', async () => {
    await stack.h.open('broken', stack.clientOptions({ workerUrl: '/sdk/no-such-worker.js' }));
    const load = await stack.h.load('broken', 'digits');
    expect(load.error).toMatchObject({
      code: 'BACKEND_UNAVAILABLE',
      message: expect.stringContaining('worker'),
    });
    expect(await stack.h.status('broken')).toMatchObject({ worker: 'crashed' });
  });
});

describe('the SDK build', () => {
  it(`keeps client.js within ${CLIENT_BUDGET_BYTES / 1024} KB minified and ${CLIENT_GZIP_BUDGET_BYTES / 1024} KB gzipped`, () => {
    const client = readFileSync(path.join(sdk, 'client.js'));
    const gzipped = gzipSync(client, { level: 9 }).length;
    console.log(`dist/sdk/client.js: ${client.length} bytes minified, ${gzipped} bytes gzipped`);
    expect(client.length).toBeLessThanOrEqual(CLIENT_BUDGET_BYTES);
    expect(gzipped).toBeLessThanOrEqual(CLIENT_GZIP_BUDGET_BYTES);
    // onnxruntime-web and transformers.js load in the worker, never with the client entry.
    expect(client.toString()).not.toMatch(/from\s*["']\.\/chunks\//);
  });

  it('has every file package.json exports point at', () => {
    const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
      exports: Record<string, string | Record<string, string>>;
    };
    const targets = Object.values(pkg.exports).flatMap((t) =>
      typeof t === 'string' ? [t] : Object.values(t),
    );
    for (const target of targets) expect(statSync(path.join(root, target)).isFile(), target).toBe(true);
    for (const wasm of ['ort-wasm-simd-threaded.wasm', 'ort-wasm-simd-threaded.jsep.wasm']) {
      expect(statSync(path.join(sdk, 'assets', wasm)).size).toBeGreaterThan(1_000_000);
    }
  });

  it('ships type declarations a strict TypeScript consumer compiles against', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ferry-consumer-'));
    onTestFinished(() => removeTempDir(dir));
    const file = path.join(dir, 'app.ts');
    writeFileSync(
      file,
      [
        `import { createFerryClient, type ModelInfo, type RunResult } from '${path.join(sdk, 'client.js')}';`,
        `const client = createFerryClient({ serverUrl: 'https://ferry.example', publicKey: 'AAAA' });`,
        `const model = client.model('digits', { version: '1.1.0' });`,
        `model.on('progress', (p) => p.fraction.toFixed(2));`,
        `export const info: Promise<ModelInfo> = model.ready();`,
        `export const run: Promise<RunResult> = model.run({ pixels: { data: new Float32Array(64), dims: [1, 1, 8, 8] } });`,
        `// @ts-expect-error a string is not a backend`,
        `createFerryClient({ serverUrl: '', publicKey: '', backend: 'cuda' });`,
      ].join('\n'),
    );
    const tsc = path.join(root, 'node_modules', '.bin', 'tsc');
    const args = ['--noEmit', '--strict', '--skipLibCheck', '--target', 'es2022', '--module', 'esnext'];
    const argv = [...args, '--moduleResolution', 'bundler', '--lib', 'es2023,dom', file];
    try {
      execFileSync(tsc, argv, { cwd: dir, stdio: 'pipe' });
    } catch (error) {
      throw new Error(`tsc: ${(error as { stdout?: Buffer }).stdout?.toString()}`);
    }
  });
});
