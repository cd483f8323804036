// `build-if-stale.ts <web|sdk>`, run under `flock /tmp/ferry-build.lock` by ensure-build.ts:
// re-checks staleness (another process may have built while we waited for the lock), then builds
// and writes the stamp with the build's start time.
import { spawnSync } from 'node:child_process';
import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { staleReason } from './staleness.ts';
import { BUILD_TARGETS, type BuildTarget } from './targets.ts';

const root = path.resolve(import.meta.dirname, '..', '..');
const name = process.argv[2] as BuildTarget['name'];
const target = Object.hasOwn(BUILD_TARGETS, name) ? BUILD_TARGETS[name] : undefined;
if (!target) {
  process.stderr.write(`ferry: build-if-stale: unknown target "${name}" (${Object.keys(BUILD_TARGETS).join(', ')})\n`);
  process.exit(2);
}
const reason = staleReason(root, target);
if (reason !== null) {
  process.stderr.write(`ferry: building ${target.label} (${reason})…\n`);
  const started = new Date();
  const [command = '', ...args] = target.command;
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
  const stamp = path.join(root, target.stamp);
  mkdirSync(path.dirname(stamp), { recursive: true });
  writeFileSync(stamp, `${started.toISOString()}\n`);
  // Sources edited during the build are newer than its start, so the next check rebuilds.
  utimesSync(stamp, started, started);
}
