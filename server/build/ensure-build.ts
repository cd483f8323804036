import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { staleReason } from './staleness.ts';
import { WEB_APP, type BuildTarget } from './targets.ts';

/** The lock every build of this repo takes, by hand (`flock … npm run build`) or here. */
export const BUILD_LOCK = '/tmp/ferry-build.lock';

/** `flock <lock> node --import tsx build-if-stale.ts <target>`: the build runs only under the lock. */
function lockedBuild(root: string, target: BuildTarget): [string, string[]] {
  const script = path.join(root, 'server', 'build', 'build-if-stale.ts');
  return ['flock', [BUILD_LOCK, process.execPath, '--import', 'tsx', script, target.name]];
}

/**
 * Makes `target` (by default the web app in build/) fresh: when stale, builds it under an
 * exclusive flock so that parallel starts and test runs never build at once (the second waits,
 * re-checks, and finds it fresh). Throws when the build fails.
 *
 * @example ensureBuild(root, SDK); // dist/sdk, for the e2e tests
 */
export function ensureBuild(root: string, target: BuildTarget = WEB_APP): void {
  if (staleReason(root, target) === null) return;
  const [command, args] = lockedBuild(root, target);
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (result.error) throw result.error;
  if (result.status !== 0) throw new Error(`building ${target.label} failed with exit code ${result.status}`);
}

/**
 * {@link ensureBuild} without blocking the event loop: resolves once `target` is fresh, rejects
 * when its build fails. Same lock, so it may run beside other builds and starts of this repo.
 *
 * @example await ensureBuildAsync(root, CLI); // dist/packages/cli, for the CLI tests
 */
export function ensureBuildAsync(root: string, target: BuildTarget = WEB_APP): Promise<void> {
  if (staleReason(root, target) === null) return Promise.resolve();
  const [command, args] = lockedBuild(root, target);
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: root, stdio: 'inherit' });
    child.once('error', reject);
    child.once('exit', (code, signal) =>
      code === 0
        ? resolve()
        : reject(new Error(`building ${target.label} failed with exit code ${code ?? signal}`)),
    );
  });
}
