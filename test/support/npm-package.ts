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

function npmInstall(dir: string, args: readonly string[]): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    execFile(
      'npm',
      ['install', '--no-audit', '--no-fund', '--ignore-scripts', ...args],
      { cwd: dir },
      (error, _out, stderr) =>
        error ? reject(new Error(`npm install ${args.join(' ')}: ${stderr}`)) : resolve(),
    );
  });
}

/**
 * A fresh project in a `ferry-project-*` temp folder with `tarball` installed, install scripts
 * off: offline from npm's cache (as the root install filled it), or `--prefer-offline` when the
 * cache lacks a dependency's metadata. Returns the folder, the install's wall time in
 * milliseconds and the mode that worked; the caller removes the folder.
 */
export async function installTarball(
  tarball: string,
): Promise<{ dir: string; installMs: number; mode: 'offline' | 'prefer-offline' }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'ferry-project-'));
  writeFileSync(
    path.join(dir, 'package.json'),
    JSON.stringify({ name: 'team-app', private: true, type: 'module' }),
  );
  let started = performance.now();
  try {
    await npmInstall(dir, ['--offline', tarball]);
    return { dir, installMs: performance.now() - started, mode: 'offline' };
  } catch (error) {
    if (!/ENOTCACHED/.test((error as Error).message)) throw error;
  }
  started = performance.now();
  await npmInstall(dir, ['--prefer-offline', tarball]);
  return { dir, installMs: performance.now() - started, mode: 'prefer-offline' };
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
