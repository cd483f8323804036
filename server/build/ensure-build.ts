import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { staleReason } from './staleness.ts';

/** The lock every `vite build` of this repo takes, by hand (`flock … npm run build`) or here. */
export const BUILD_LOCK = '/tmp/ferry-build.lock';

/**
 * Makes build/ fresh: when stale, runs `vite build` under an exclusive flock so that parallel
 * starts and test runs never build at once (the second waits, re-checks, and finds it fresh).
 * Throws when the build fails.
 */
export function ensureBuild(root: string): void {
  if (staleReason(root) === null) return;
  const script = path.join(root, 'server', 'build', 'build-if-stale.ts');
  const result = spawnSync('flock', [BUILD_LOCK, process.execPath, '--import', 'tsx', script], {
    cwd: root,
    stdio: 'inherit',
  });
  if (result.error) throw result.error;
  if (result.status !== 0) throw new Error(`vite build failed with exit code ${result.status}`);
}
