import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCliPackage } from '../../server/cli/package/build.ts';
import { batchFirstRnnModel, constantModel } from '../../server/testing/onnx-fixtures.ts';
import { removeTempDir } from '../support/bundles.ts';
import { installTarball, installedPackages, packFolder, type PackedPackage } from '../support/npm-package.ts';
import { copyThirdPartyModel } from '../support/third-party-models.ts';
import { useFerryServer } from '../support/use-ferry-server.ts';

/** The packed CLI stays small: one bundled file, a README and the licence. */
const CLI_TARBALL_BUDGET_BYTES = 300 * 1024;

const server = useFerryServer();
let work: string;
let packed: PackedPackage;
let project: string;

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'ferry-cli-package-'));
  packed = packFolder(await buildCliPackage(path.join(work, 'cli')), work);
  const installed = await installTarball(packed.tarball);
  project = installed.dir;
  // The CLI has no dependencies: nothing for npm to look up, so it must install from the tarball alone.
  expect(installed.mode).toBe('offline');
  console.log(
    `@ferry/cli: tarball ${packed.bytes} bytes, npm install --offline in ${Math.round(installed.installMs)} ms`,
  );
});
afterAll(() => {
  if (project) removeTempDir(project);
  if (work) removeTempDir(work);
});

/** Runs the installed `ferry` (node_modules/.bin, or through `npx`) in the project folder; never throws on exit codes. */
function ferry(args: readonly string[], env: Record<string, string> = {}, command?: 'npx') {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      command ?? path.join(project, 'node_modules', '.bin', 'ferry'),
      [...args],
      {
        cwd: project,
        env: { ...process.env, FERRY_SERVER: server().url, FERRY_TOKEN: server().adminToken, ...env },
      },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** A bundle folder in the project holding `bytes` as model.onnx, with ferry.json from `ferry init`. */
async function initBundle(name: string, bytes: Uint8Array) {
  const dir = path.join(project, name);
  const model = path.join(dir, 'model.onnx');
  mkdirSync(dir, { recursive: true });
  writeFileSync(model, bytes);
  const init = await ferry(['init', model, '--name', name, '--json']);
  expect(init.code, init.stdout + init.stderr).toBe(0);
  return dir;
}

function editManifest(dir: string, edit: (m: Record<string, unknown>) => void) {
  const file = path.join(dir, 'ferry.json');
  const manifest = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  edit(manifest);
  writeFileSync(file, JSON.stringify(manifest));
}

function jsonError(run: { stdout: string }) {
  return (JSON.parse(run.stdout) as { error: { code: string; message: string; details?: unknown } }).error;
}

describe('@ferry/cli installed from its tarball', () => {
  it('is one bundled file with no dependencies, within its size budget', () => {
    expect(packed.files).toEqual(['LICENSE', 'README.md', 'ferry.js', 'package.json']);
    expect(packed.bytes).toBeLessThan(CLI_TARBALL_BUDGET_BYTES);
    expect(installedPackages(project)).toEqual(['@ferry/cli']);
    const manifest = JSON.parse(
      readFileSync(path.join(project, 'node_modules/@ferry/cli/package.json'), 'utf8'),
    );
    const root = JSON.parse(readFileSync(path.resolve(import.meta.dirname, '../../package.json'), 'utf8'));
    expect(manifest).toMatchObject({ version: root.version, bin: { ferry: './ferry.js' } });
    expect(manifest.dependencies).toBeUndefined();
    const code = readFileSync(path.join(project, 'node_modules/@ferry/cli/ferry.js'), 'utf8');
    expect(code).not.toMatch(/better-sqlite3|@sveltejs\/kit|onnxruntime-node\/dist/);
  });

  it('writes ferry.json with ferry init from third-party ONNX files and publishes those bundles unchanged', async () => {
    const bundles = [
      { name: 'paddleocr-cls', model: 'paddleocrCls' as const, task: 'image-classification' },
      { name: 'paddleocr-rec', model: 'paddleocrRec' as const, task: 'custom' },
      { name: 'silero-vad', model: 'sileroVad' as const, task: 'custom' },
    ];
    for (const bundle of bundles) {
      const dir = path.join(project, bundle.name);
      copyThirdPartyModel(bundle.model, dir, 'model.onnx');
      const init = await ferry(['init', dir, '--name', bundle.name]);
      expect(init.code, init.stderr).toBe(0);
      const manifest = JSON.parse(readFileSync(path.join(dir, 'ferry.json'), 'utf8'));
      expect(manifest.task).toBe(bundle.task);
      const published = await ferry(['publish', dir, '--json']);
      expect(published.code, published.stdout + published.stderr).toBe(0);
      expect(JSON.parse(published.stdout)).toMatchObject({ name: bundle.name, version: '0.1.0' });
    }
    const vad = JSON.parse(readFileSync(path.join(project, 'silero-vad', 'ferry.json'), 'utf8'));
    expect(vad.signature.inputs).toEqual([
      expect.objectContaining({ name: 'input', type: 'float32', shape: ['input_dim0', 'input_dim1'] }),
      expect.objectContaining({ name: 'state', type: 'float32', shape: [2, 'state_dim1', 128] }),
      { name: 'sr', type: 'int64', shape: [] },
    ]);
    // As a CI job runs it: npx finds the installed bin, FERRY_SERVER and FERRY_TOKEN come from the environment.
    const listed = await ferry(
      ['--no-install', 'ferry', 'versions', 'list', 'silero-vad', '--json'],
      {},
      'npx',
    );
    expect(listed.code, listed.stderr).toBe(0);
    expect(JSON.parse(listed.stdout)).toMatchObject({
      name: 'silero-vad',
      latest: '0.1.0',
      versions: [{ version: '0.1.0', status: 'published' }],
    });
  });

  it('publishes a model with no inputs (a lone Constant)', async () => {
    const dir = await initBundle('constant', constantModel([1, 2, 3]));
    const manifest = JSON.parse(readFileSync(path.join(dir, 'ferry.json'), 'utf8'));
    expect(manifest.signature).toEqual({ inputs: [], outputs: [{ name: 'y', type: 'float32', shape: [3] }] });
    const published = await ferry(['publish', dir, '--json']);
    expect(published.code, published.stdout).toBe(0);
  });

  it('prints each failure as JSON with its Ferry code and the exit code scripts branch on', async () => {
    const bundle = await initBundle('json-errors', constantModel([4]));
    const cases: {
      args: string[];
      env?: Record<string, string>;
      setup?: () => void;
      exit: number;
      code: string;
    }[] = [
      {
        args: ['publish', bundle],
        setup: () => editManifest(bundle, (m) => void (m.version = 'v1')),
        exit: 3,
        code: 'MANIFEST_INVALID',
      },
      {
        args: ['publish', bundle],
        setup: () =>
          editManifest(
            bundle,
            (m) =>
              void (
                (m.version = '0.1.0'),
                ((m.signature as { outputs: { name: string }[] }).outputs[0]!.name = 'z')
              ),
          ),
        exit: 3,
        code: 'SIGNATURE_MISMATCH',
      },
      {
        args: ['publish', bundle],
        setup: () => {
          writeFileSync(path.join(bundle, 'model.onnx'), batchFirstRnnModel());
          editManifest(bundle, (m) => {
            m.signature = {
              inputs: [{ name: 'x', type: 'float32', shape: [1, 4, 3] }],
              outputs: [{ name: 'y', type: 'float32', shape: [1, 4, 1, 2] }],
            };
          });
        },
        exit: 3,
        code: 'ONNX_INVALID',
      },
      { args: ['publish', path.join(project, 'constant')], exit: 5, code: 'VERSION_EXISTS' },
      { args: ['token', 'list'], env: { FERRY_TOKEN: 'ferry_nope' }, exit: 4, code: 'UNAUTHENTICATED' },
      { args: ['versions', 'list', 'no-such-model'], exit: 6, code: 'MODEL_NOT_FOUND' },
      {
        args: ['publish', bundle],
        env: { FERRY_SERVER: 'http://127.0.0.1:9' },
        exit: 7,
        code: 'NETWORK_ERROR',
      },
      { args: ['publish'], exit: 2, code: 'INVALID_INPUT' },
      { args: ['init', path.join(project, 'missing.onnx')], exit: 3, code: 'INVALID_INPUT' },
    ];
    for (const c of cases) {
      c.setup?.();
      const run = await ferry([...c.args, '--json'], c.env);
      const label = `${c.args.join(' ')} → ${run.stdout}${run.stderr}`;
      expect(run.code, label).toBe(c.exit);
      const error = jsonError(run);
      expect(error.code, label).toBe(c.code);
      expect(error.message, label).not.toMatch(/onnxruntime_src|\.cc:\d|\.h:\d/);
      expect(error.message, label).not.toContain('\u001b[');
      expect(run.stderr, label).toBe('');
    }
    const rnn = await ferry(['publish', bundle, '--json']);
    expect(jsonError(rnn).message).toBe(
      'model.onnx: a valid ONNX graph that onnxruntime cannot run, so browsers could not either: Batchwise recurrent operations (layout == 1) are not supported.',
    );
  });

  it('names ferry.json relative to the bundle in local errors, as the server names its files', async () => {
    const bundle = await initBundle('paths', constantModel([5]));
    editManifest(bundle, (m) => void (m.version = 'latest'));
    const run = await ferry(['publish', bundle]);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/^ferry: ferry\.json: version: must be a semantic version/);
    expect(run.stderr).not.toContain(project);
  });
});
