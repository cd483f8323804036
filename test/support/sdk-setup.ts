import { spawnSync } from 'node:child_process';
import { readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runUnderBuildLock } from './build-lock.ts';

const root = path.resolve(import.meta.dirname, '..', '..');
const STAMP = path.join(root, 'dist', 'sdk', '.ferry-sdk-stamp');
/** What the SDK is built from: a change to any of these (tests aside) makes dist/sdk stale. */
const INPUTS = ['workers', 'shared', 'package.json', 'package-lock.json'];

function newestMtime(entry: string): number {
  const stat = statSync(entry, { throwIfNoEntry: false });
  if (!stat?.isDirectory()) return stat?.mtimeMs ?? 0;
  return readdirSync(entry, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile() && !d.name.endsWith('.test.ts'))
    .reduce((newest, d) => Math.max(newest, statSync(path.join(d.parentPath, d.name)).mtimeMs), 0);
}

/** Why dist/sdk must be rebuilt, or null when it is fresh (no input newer than the last build's start). */
export function sdkStaleReason(): string | null {
  const stamp = statSync(STAMP, { throwIfNoEntry: false });
  if (!stamp) return 'no complete SDK build in dist/sdk';
  const newest = Math.max(...INPUTS.map((input) => newestMtime(path.join(root, input))));
  return newest > stamp.mtimeMs ? 'workers/ or shared/ changed since the last SDK build' : null;
}

/** Inside the build lock: builds unless another run just did, then stamps the build's start time. */
function buildIfStale(): void {
  const reason = sdkStaleReason();
  if (reason === null) return;
  console.log(`sdk-setup: building dist/sdk (${reason})`);
  const started = Date.now();
  const result = spawnSync('npm', ['run', 'build:sdk'], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`npm run build:sdk failed with exit code ${result.status}`);
  writeFileSync(STAMP, `${new Date(started).toISOString()}\n`);
  utimesSync(STAMP, started / 1000, started / 1000);
}

/**
 * vitest globalSetup of the e2e project: rebuilds dist/sdk when stale, holding the repository's
 * build lock (`flock /tmp/ferry-build.lock`) and checking again once it holds it, so two test runs
 * never build at once and the second does not build again.
 */
export default function setup(): void {
  if (sdkStaleReason() === null) return;
  runUnderBuildLock([process.execPath, '--import', 'tsx', fileURLToPath(import.meta.url), '--locked'], {
    cwd: root,
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv.includes('--locked')) buildIfStale();
