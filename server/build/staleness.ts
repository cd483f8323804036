import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { BuildTarget } from './targets.ts';

function newestInDir(dir: string, root: string, skip: RegExp): number {
  let newest = 0;
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (skip.test(path.relative(root, full))) continue;
    if (entry.isDirectory()) newest = Math.max(newest, newestInDir(full, root, skip));
    else if (entry.isFile()) newest = Math.max(newest, statSync(full, { throwIfNoEntry: false })?.mtimeMs ?? 0);
  }
  return newest;
}

/** The newest mtime of a file, or of the files under a folder that `skip` does not exclude; 0 when absent. */
function newestOf(input: string, root: string, skip: RegExp): number {
  const stat = statSync(input, { throwIfNoEntry: false });
  if (!stat) return 0;
  return stat.isDirectory() ? newestInDir(input, root, skip) : stat.mtimeMs;
}

/**
 * Why `target` must be rebuilt, or null when it is fresh. Fresh = its stamp and outputs exist and
 * no input is newer than the stamp (the time the last complete build started).
 */
export function staleReason(root: string, target: BuildTarget): string | null {
  const stamp = statSync(path.join(root, target.stamp), { throwIfNoEntry: false });
  if (!stamp || !target.outputs.every((output) => existsSync(path.join(root, output)))) {
    return `no complete build in ${path.dirname(target.stamp)}/`;
  }
  const newest = Math.max(0, ...target.inputs.map((input) => newestOf(path.join(root, input), root, target.skip)));
  return newest > stamp.mtimeMs ? 'sources changed since the last build' : null;
}
