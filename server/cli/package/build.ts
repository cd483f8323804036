import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';

const root = path.resolve(import.meta.dirname, '..', '..', '..');

/** Where {@link buildCliPackage} writes the publishable `@ferry/cli` folder. */
export const cliPackageDir = path.join(root, 'dist/packages/cli');

// Debian ships the licence texts; the root package.json names Apache-2.0.
const LICENSE_TEXT = '/usr/share/common-licenses/Apache-2.0';

/**
 * Builds `@ferry/cli` into dist/packages/cli: server/cli/main.ts and everything it imports
 * (commander, the tRPC client, zod, protobufjs, shared/) bundled into one ESM file, `ferry.js`,
 * so that the package has no dependencies to install and nothing native. onnxruntime-node stays
 * out: only the server validates ONNX files with it (the import sits behind a dynamic import that
 * the CLI never reaches). Writes into `out` (emptied first) and returns it.
 */
export async function buildCliPackage(out: string = cliPackageDir): Promise<string> {
  const rootPackage = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
    version: string;
    license: string;
    engines: Record<string, string>;
  };
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const result = await build({
    entryPoints: [path.join(root, 'server/cli/main.ts')],
    outfile: path.join(out, 'ferry.js'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    minify: true,
    legalComments: 'eof',
    tsconfig: path.join(root, 'server/tsconfig.json'),
    external: ['onnxruntime-node'],
    // commander and protobufjs are CommonJS and require() Node's built-ins.
    banner: {
      js: "#!/usr/bin/env node\nimport { createRequire as __ferryRequire } from 'node:module';\nconst require = __ferryRequire(import.meta.url);",
    },
    metafile: true,
    logLevel: 'warning',
  });
  const bundled = Object.keys(result.metafile.inputs);
  const forbidden = bundled.filter((file) =>
    /onnxruntime|@sveltejs|better-sqlite3|drizzle-orm|\.node$/.test(file),
  );
  if (forbidden.length > 0) throw new Error(`@ferry/cli would bundle ${forbidden.join(', ')}`);
  const manifest = {
    name: '@ferry/cli',
    version: rootPackage.version,
    description:
      'The ferry command: publish ONNX model bundles to a Ferry server, write ferry.json with ferry init, manage versions, tokens and rollouts.',
    license: rootPackage.license,
    type: 'module',
    bin: { ferry: './ferry.js' },
    files: ['ferry.js', 'README.md', 'LICENSE'],
    engines: { node: rootPackage.engines.node },
    keywords: ['ferry', 'onnx', 'model registry', 'cli'],
  };
  writeFileSync(path.join(out, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  copyFileSync(path.join(root, 'server/cli/package/README.md'), path.join(out, 'README.md'));
  copyFileSync(LICENSE_TEXT, path.join(out, 'LICENSE'));
  return out;
}

if (process.argv[1] === import.meta.filename) console.log(`@ferry/cli: ${await buildCliPackage()}`);
