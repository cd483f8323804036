// Runs under `flock /tmp/ferry-build.lock`: re-checks staleness (another process may have built
// while we waited for the lock), then builds and writes the stamp with the build's start time.
import { spawnSync } from 'node:child_process';
import { utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { STAMP, staleReason } from './staleness.ts';

const root = path.resolve(import.meta.dirname, '..', '..');
const reason = staleReason(root);
if (reason !== null) {
  process.stderr.write(`ferry: building the web app (${reason})…\n`);
  const started = new Date();
  const vite = path.join(root, 'node_modules', 'vite', 'bin', 'vite.js');
  const result = spawnSync(process.execPath, [vite, 'build', '--logLevel', 'warn'], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
  const stamp = path.join(root, STAMP);
  writeFileSync(stamp, `${started.toISOString()}\n`);
  // Sources edited during the build are newer than its start, so the next check rebuilds.
  utimesSync(stamp, started, started);
}
