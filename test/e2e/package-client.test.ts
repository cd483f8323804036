import { execFileSync } from 'node:child_process';
import { createReadStream, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import semver from 'semver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServerInfo } from '$shared';
import { constantModel } from '../../server/testing/onnx-fixtures.ts';
import { packageClient } from '../../workers/build/package-client.ts';
import { bothOrNeither } from '../support/both-or-neither.ts';
import { removeTempDir } from '../support/bundles.ts';
import { startFerryServer, type FerryServer } from '../support/ferry-server.ts';
import { installTarball, installedPackages, packFolder, type PackedPackage } from '../support/npm-package.ts';
import { publishOverHttp } from '../support/registry-http.ts';
import { launchBrowser, type LaunchedBrowser } from './support/browser.ts';
import { root } from './support/stack.ts';

/** The packed client: ~10 MB is onnxruntime-web's two wasm builds, gzipped. */
const CLIENT_TARBALL_BUDGET_BYTES = 14 * 1024 * 1024;

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
};

/** A product team's web server: `dist/` of the Vite app first, then the project folder itself. */
async function serveProject(project: string): Promise<{ origin: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const file = [path.join(project, 'dist', pathname), path.join(project, pathname)].find(
      (f) => f.startsWith(project) && statSync(f, { throwIfNoEntry: false })?.isFile(),
    );
    if (!file) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, {
      'Content-Type': MIME[path.extname(file)] ?? 'application/octet-stream',
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Embedder-Policy': 'require-corp',
      'Cross-Origin-Resource-Policy': 'same-origin',
    });
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

// The team's app: one TypeScript module importing the package by name, typed against its declarations.
const APP_MAIN = `import { createFerryClient, type FerryClientOptions } from '@ferry/client';

const params = new URLSearchParams(location.search);
// Two WASM threads (the default is one on a 2-core machine): the package's files start onnxruntime's thread workers.
const options: FerryClientOptions = { serverUrl: params.get('server') ?? '', publicKey: params.get('key') ?? '', numThreads: 2 };
const model = createFerryClient(options).model('digits');
const show = (state: string, value: unknown) => {
  document.querySelector('#result')!.textContent = JSON.stringify(value);
  document.body.dataset.state = state;
};
try {
  const info = await model.ready();
  const pixels = new Float32Array(64).map((_, i) => (i % 7) * 2);
  const result = await model.run({ pixels: { data: pixels, dims: [1, 1, 8, 8] } });
  show('done', { version: info.version, backend: info.backend, threads: info.threads, top: result.scores?.[0] });
} catch (error) {
  show('error', { code: (error as { code?: string }).code, message: String(error) });
}
`;

// The same package from a plain page: no bundler, the installed files served as they are.
const PLAIN_PAGE = `<!doctype html>
<html><body data-state="loading"><pre id="result"></pre>
<script type="module">
  import { createFerryClient } from '/node_modules/@ferry/client/client.js';
  const params = new URLSearchParams(location.search);
  const client = createFerryClient({ serverUrl: params.get('server'), publicKey: params.get('key') });
  try {
    const model = client.model('constant');
    const info = await model.ready();
    const { outputs } = await model.run({});
    document.querySelector('#result').textContent = JSON.stringify({ version: info.version, y: Array.from(outputs.y.data) });
    document.body.dataset.state = 'done';
  } catch (error) {
    document.querySelector('#result').textContent = JSON.stringify({ code: error.code, message: String(error) });
    document.body.dataset.state = 'error';
  }
</script></body></html>
`;

function writeApp(project: string): void {
  mkdirSync(path.join(project, 'src'), { recursive: true });
  writeFileSync(
    path.join(project, 'index.html'),
    '<!doctype html><html><body data-state="loading"><pre id="result"></pre><script type="module" src="/src/main.ts"></script></body></html>\n',
  );
  writeFileSync(path.join(project, 'src', 'main.ts'), APP_MAIN);
  // onnxruntime-web starts its WASM threads as module workers (see the package README).
  writeFileSync(
    path.join(project, 'vite.config.js'),
    "export default { worker: { format: 'es' }, logLevel: 'warn' };\n",
  );
  writeFileSync(
    path.join(project, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'ESNext',
        moduleResolution: 'bundler',
        lib: ['ES2022', 'DOM'],
        strict: true,
        noEmit: true,
        skipLibCheck: false,
      },
      include: ['src'],
    }),
  );
  writeFileSync(path.join(project, 'plain.html'), PLAIN_PAGE);
}

/** The repository's own TypeScript and Vite binaries, run in the team's project folder. */
function tool(project: string, bin: string, args: readonly string[]): string {
  try {
    return execFileSync(process.execPath, [path.join(root, 'node_modules', bin), ...args], {
      cwd: project,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`${bin} ${args.join(' ')} failed:\n${stdout ?? ''}${stderr ?? ''}`);
  }
}

let work: string;
let packed: PackedPackage;
let project: string;
let ferry: FerryServer;
let site: Awaited<ReturnType<typeof serveProject>>;
let browser: LaunchedBrowser;

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'ferry-client-package-'));
  packed = packFolder(packageClient(root, path.join(work, 'client')), work);
  const installed = await installTarball(packed.tarball);
  project = installed.dir;
  console.log(
    `@ferry/client: tarball ${packed.bytes} bytes, npm install --${installed.mode} in ${Math.round(installed.installMs)} ms`,
  );
  writeApp(project);
  site = await serveProject(project);
  [ferry, browser] = await bothOrNeither(
    startFerryServer({ env: { FERRY_ALLOWED_ORIGINS: site.origin } }),
    launchBrowser(),
    { first: (s) => s.stop(), second: (b) => b.close() },
  );
  const constant = path.join(work, 'constant');
  mkdirSync(constant);
  writeFileSync(path.join(constant, 'model.onnx'), constantModel([1.5, -2, 3.25]));
  writeFileSync(
    path.join(constant, 'ferry.json'),
    JSON.stringify({
      schemaVersion: 1,
      name: 'constant',
      version: '1.0.0',
      task: 'custom',
      description: 'A lone Constant node: no inputs, one output.',
      license: 'Apache-2.0',
      source: { description: 'server/testing/onnx-fixtures.ts' },
      files: [{ path: 'model.onnx', role: 'onnx' }],
      signature: { inputs: [], outputs: [{ name: 'y', type: 'float32', shape: [3] }] },
      runtime: { executionProviders: ['wasm'] },
    }),
  );
  for (const dir of [path.join(root, 'models/digits'), constant]) {
    const reply = await publishOverHttp(ferry.url, ferry.adminToken, dir);
    if (reply.status !== 200) throw new Error(`publish ${dir}: ${JSON.stringify(reply.body)}`);
  }
}, 240_000);
afterAll(async () => {
  await browser?.close();
  await ferry?.stop();
  await site?.close();
  if (project) removeTempDir(project);
  if (work) removeTempDir(work);
});

async function openPage(page: string) {
  const tab = await browser.context.newPage();
  const query = new URLSearchParams({ server: ferry.url, key: ferry.publicKey });
  await tab.goto(`${site.origin}/${page}?${query}`);
  await tab.waitForFunction(() => document.body.dataset.state !== 'loading', null, { timeout: 90_000 });
  const state = await tab.evaluate(() => document.body.dataset.state);
  const result = JSON.parse((await tab.textContent('#result')) ?? '{}') as Record<string, unknown>;
  await tab.close();
  return { state, result };
}

describe('@ferry/client installed from its tarball', () => {
  it("is a version the server's /.well-known/ferry.json says it supports", async () => {
    const info = ServerInfo.parse(await (await fetch(`${ferry.url}/.well-known/ferry.json`)).json());
    const { version } = JSON.parse(
      readFileSync(path.join(project, 'node_modules/@ferry/client/package.json'), 'utf8'),
    );
    const range = info.clients?.['@ferry/client'] ?? '';
    expect(range).not.toBe('');
    expect(semver.satisfies(version, range)).toBe(true);
  });

  it('holds the client, its types, the worker, its chunks and the wasm, and nothing of ours it should not', () => {
    expect(packed.bytes).toBeLessThan(CLIENT_TARBALL_BUDGET_BYTES);
    expect(packed.files).toEqual(
      expect.arrayContaining([
        'client.js',
        'client.d.ts',
        'worker.js',
        'assets/ort-wasm-simd-threaded.wasm',
        'README.md',
        'LICENSE',
        'THIRD_PARTY_NOTICES.md',
        'package.json',
      ]),
    );
    expect(packed.files.filter((f) => /\.map$|node_modules|\.test\.|(^|\/)test\//.test(f))).toEqual([]);
    expect(installedPackages(project).sort()).toEqual([
      '@ferry/client',
      'comlink',
      'onnxruntime-common',
      'zod',
    ]);
    const installed = JSON.parse(
      readFileSync(path.join(project, 'node_modules/@ferry/client/package.json'), 'utf8'),
    );
    const rootPackage = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
    expect(installed.version).toBe(rootPackage.version);
    const notices = readFileSync(
      path.join(project, 'node_modules/@ferry/client/THIRD_PARTY_NOTICES.md'),
      'utf8',
    );
    expect(notices).toContain('## onnxruntime-web 1.30.0 (MIT)');
  });

  it('type-checks and builds a Vite + TypeScript app that imports it, whose build runs a model in Chromium', async () => {
    tool(project, 'typescript/bin/tsc', ['-p', '.']);
    tool(project, 'vite/bin/vite.js', ['build']);
    const { state, result } = await openPage('index.html');
    expect(state, JSON.stringify(result)).toBe('done');
    expect(result).toMatchObject({ version: '1.1.0', backend: 'wasm', top: { label: expect.any(String) } });
    expect(result.threads).toBeGreaterThan(1);
  });

  it('runs a model with no inputs from a plain HTML page that imports the installed files', async () => {
    const { state, result } = await openPage('plain.html');
    expect(state, JSON.stringify(result)).toBe('done');
    expect(result).toEqual({ version: '1.0.0', y: [1.5, -2, 3.25] });
  });
});
