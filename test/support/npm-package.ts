import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** A package folder packed with `npm pack`. */
export interface PackedPackage {
  tarball: string;
  /** Size of the .tgz in bytes. */
  bytes: number;
  /** Paths inside the tarball, without npm's `package/` prefix. */
  files: string[];
}

/** Runs npm in `cwd` outside the repository (so its .npmrc does not apply); throws with npm's output on failure. */
export function npm(cwd: string, args: readonly string[]): string {
  return execFileSync('npm', [...args], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** `npm pack` of `folder` into `into`; the tarball's name, size and file list. */
export function packFolder(folder: string, into: string): PackedPackage {
  const [info] = JSON.parse(npm(into, ['pack', folder, '--json', '--pack-destination', into])) as {
    filename: string;
    size: number;
    files: { path: string }[];
  }[];
  if (!info) throw new Error(`npm pack ${folder}: no output`);
  return {
    tarball: path.join(into, info.filename),
    bytes: info.size,
    files: info.files.map((f) => f.path).sort(),
  };
}

/**
 * A fresh project in a `ferry-project-*` temp folder with `tarball` installed offline from npm's
 * cache (as the root install filled it), install scripts off. Returns the folder and the install's
 * wall time in milliseconds; the caller removes the folder.
 */
export async function installTarball(tarball: string): Promise<{ dir: string; installMs: number }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'ferry-project-'));
  writeFileSync(
    path.join(dir, 'package.json'),
    JSON.stringify({ name: 'team-app', private: true, type: 'module' }),
  );
  const started = performance.now();
  await new Promise<void>((resolve, reject) => {
    execFile(
      'npm',
      ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', tarball],
      { cwd: dir },
      (error, _stdout, stderr) =>
        error ? reject(new Error(`npm install ${tarball}: ${stderr}`)) : resolve(),
    );
  });
  return { dir, installMs: performance.now() - started };
}

/** Package names under a project's node_modules (scoped ones as `@scope/name`). */
export function installedPackages(project: string): string[] {
  const modules = path.join(project, 'node_modules');
  return readdirSync(modules)
    .filter((name) => !name.startsWith('.'))
    .flatMap((name) =>
      name.startsWith('@') ? readdirSync(path.join(modules, name)).map((sub) => `${name}/${sub}`) : [name],
    );
}
