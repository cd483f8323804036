import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { staleReason } from './staleness.ts';
import { WEB_APP, type BuildTarget } from './targets.ts';

/** The lock every build of this repo takes, by hand (`flock … npm run build`) or here. */
export const BUILD_LOCK = '/tmp/ferry-build.lock';

/**
 * Makes `target` (by default the web app in build/) fresh: when stale, builds it under an
 * exclusive flock so that parallel starts and test runs never build at once (the second waits,
 * re-checks, and finds it fresh). Throws when the build fails.
 *
 * @example ensureBuild(root, SDK); // dist/sdk, for the e2e tests
 */
export function ensureBuild(root: string, target: BuildTarget = WEB_APP): void {
  if (staleReason(root, target) === null) return;
  const script = path.join(root, 'server', 'build', 'build-if-stale.ts');
  const result = spawnSync('flock', [BUILD_LOCK, process.execPath, '--import', 'tsx', script, target.name], {
    cwd: root,
    stdio: 'inherit',
  });
  if (result.error) throw result.error;
  if (result.status !== 0) throw new Error(`building ${target.label} failed with exit code ${result.status}`);
}
