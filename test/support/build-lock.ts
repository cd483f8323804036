import { spawnSync } from 'node:child_process';
import { BUILD_LOCK } from '../../server/build/ensure-build.ts';

/**
 * Runs `command` (argv form) while holding the repository's build lock (`flock
 * /tmp/ferry-build.lock`), so no two builds of this repo ever run at once. Inherits stdio;
 * throws when the command fails.
 *
 * @example runUnderBuildLock(['npm', 'run', 'build:sdk'], { cwd: root });
 */
export function runUnderBuildLock(command: readonly string[], options: { cwd: string }): void {
  const result = spawnSync('flock', [BUILD_LOCK, ...command], { cwd: options.cwd, stdio: 'inherit' });
  if (result.error) throw result.error;
  if (result.status !== 0) throw new Error(`${command.join(' ')} failed with exit code ${result.status}`);
}
