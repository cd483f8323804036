import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** Where {@link packageClient} writes the publishable `@ferry/client` folder. */
export function clientPackageDir(root: string): string {
  return path.join(root, 'dist/packages/client');
}

interface PackageJson {
  name: string;
  version: string;
  license?: string;
  engines?: Record<string, string>;
}

function readJson<T>(file: string): T {
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}

/** npm packages whose code the SDK's bundles contain, from the sources their source maps list. */
function bundledPackages(sdk: string): string[] {
  const names = new Set<string>();
  const maps = [sdk, path.join(sdk, 'chunks')].flatMap((dir) =>
    readdirSync(dir)
      .filter((f) => f.endsWith('.js.map'))
      .map((f) => path.join(dir, f)),
  );
  for (const map of maps) {
    for (const source of readJson<{ sources: string[] }>(map).sources) {
      const match = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(source);
      if (match?.[1]) names.add(match[1]);
    }
  }
  return [...names].sort();
}

const LICENSE_FILES = ['LICENSE', 'LICENSE.md', 'LICENSE.txt', 'license', 'LICENCE'];

/** THIRD_PARTY_NOTICES.md: each bundled package with its version, licence and licence text. */
function notices(root: string, packages: readonly string[]): string {
  const parts = [
    '# Third-party software in @ferry/client',
    '',
    'The worker and its chunks are prebuilt: they contain these packages, at these versions, compiled in.',
    '',
  ];
  for (const name of packages) {
    const dir = path.join(root, 'node_modules', name);
    const pkg = readJson<PackageJson>(path.join(dir, 'package.json'));
    const licenseFile = LICENSE_FILES.map((f) => path.join(dir, f)).find((f) => existsSync(f));
    parts.push(`## ${name} ${pkg.version} (${pkg.license ?? 'see its package'})`, '');
    if (licenseFile) parts.push('```', readFileSync(licenseFile, 'utf8').trim(), '```', '');
  }
  return `${parts.join('\n')}\n`;
}

// Vite's worker plugin writes the SDK's `new Worker(new URL('./worker.ts', import.meta.url))` as
// a nested URL that a product team's bundler does not recognise as a worker; the plain form lets
// Vite, webpack 5 and others bundle worker.js, its chunks and the wasm they reference.
const NESTED_WORKER_URL = /new Worker\(new URL\(new URL\(`worker\.js`,import\.meta\.url\)\.href,``\+import\.meta\.url\)/;

function plainWorkerUrl(file: string): void {
  const code = readFileSync(file, 'utf8');
  if (!NESTED_WORKER_URL.test(code)) throw new Error(`${file}: the worker's URL is not where the packaging expects it`);
  writeFileSync(file, code.replace(NESTED_WORKER_URL, 'new Worker(new URL(`./worker.js`,import.meta.url)'));
}

// onnxruntime-web's declarations are onnxruntime-common's (its types.d.ts re-exports them): the
// small package is a dependency of @ferry/client for types, the 139 MB one is not.
function retargetOrtTypes(dir: string): void {
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.d.ts')) continue;
    const file = path.join(entry.parentPath, entry.name);
    const text = readFileSync(file, 'utf8');
    const retargeted = text.replace(/(['"])onnxruntime-web(?:\/[a-z]+)?\1/g, '$1onnxruntime-common$1');
    if (retargeted !== text) writeFileSync(file, retargeted);
  }
}

/**
 * Turns the built SDK (dist/sdk, `npm run build:sdk`) into the publishable `@ferry/client`
 * folder: client.js and its declarations, worker.js, the worker's chunks and onnxruntime-web's
 * wasm (all found through `new URL(…, import.meta.url)`), without source maps, plus
 * package.json, README, LICENSE and THIRD_PARTY_NOTICES.md. Its version is the root package's,
 * the server's. Writes into `out` (emptied first); throws when dist/sdk is missing. Returns `out`.
 */
export function packageClient(root: string, out: string = clientPackageDir(root)): string {
  const sdk = path.join(root, 'dist/sdk');
  if (!existsSync(path.join(sdk, 'client.js'))) throw new Error(`${sdk}: run npm run build:sdk first`);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  cpSync(sdk, out, {
    recursive: true,
    filter: (file) => !file.endsWith('.map') && !path.basename(file).startsWith('.ferry-'),
  });
  plainWorkerUrl(path.join(out, 'client.js'));
  retargetOrtTypes(path.join(out, 'types'));
  const rootPackage = readJson<PackageJson>(path.join(root, 'package.json'));
  const template = readJson<Record<string, unknown>>(path.join(root, 'workers/package/package.json'));
  // For the type declarations only (the code is bundled): the versions the SDK was built with.
  const dependencies = Object.fromEntries(
    Object.keys((template.dependencies ?? {}) as Record<string, string>).map((name) => {
      const { version } = readJson<PackageJson>(path.join(root, 'node_modules', name, 'package.json'));
      return [name, name === 'onnxruntime-common' ? version : `^${version}`];
    }),
  );
  const manifest = { ...template, version: rootPackage.version, license: rootPackage.license, dependencies };
  writeFileSync(path.join(out, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  cpSync(path.join(root, 'workers/package/README.md'), path.join(out, 'README.md'));
  cpSync('/usr/share/common-licenses/Apache-2.0', path.join(out, 'LICENSE'));
  writeFileSync(path.join(out, 'THIRD_PARTY_NOTICES.md'), notices(root, bundledPackages(sdk)));
  return out;
}

if (process.argv[1] === import.meta.filename) {
  console.log(`@ferry/client: ${packageClient(path.resolve(import.meta.dirname, '..', '..'))}`);
}
