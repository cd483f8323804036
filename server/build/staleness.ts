import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

/** Folders and root files whose changes make the SvelteKit build stale. */
const SOURCE_DIRS = ['web', 'server', 'shared', 'workers'];
const ROOT_FILES = ['package.json', 'svelte.config.js', 'vite.config.ts', 'tsconfig.json', 'tsconfig.base.json'];
const SKIP = /(^|\/)(node_modules|\.svelte-kit)(\/|$)|\.test\.ts$|^server\/(cli|build|testing|db\/migrations)\//;

/** The stamp `vite build` leaves in build/ when it finishes, holding the time it started. */
export const STAMP = path.join('build', '.ferry-build-stamp');

function newestIn(dir: string, root: string): number {
  let newest = 0;
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (SKIP.test(path.relative(root, full))) continue;
    if (entry.isDirectory()) newest = Math.max(newest, newestIn(full, root));
    else if (entry.isFile()) newest = Math.max(newest, statSync(full).mtimeMs);
  }
  return newest;
}

/** Why build/ must be rebuilt, or null when it is fresh. Fresh = handler.js exists and no source is newer than the stamp. */
export function staleReason(root: string): string | null {
  const stamp = statSync(path.join(root, STAMP), { throwIfNoEntry: false });
  const handler = statSync(path.join(root, 'build', 'handler.js'), { throwIfNoEntry: false });
  if (!handler || !stamp) return 'no complete build in build/';
  const newest = Math.max(
    ...SOURCE_DIRS.map((dir) => newestIn(path.join(root, dir), root)),
    ...ROOT_FILES.map((file) => statSync(path.join(root, file), { throwIfNoEntry: false })?.mtimeMs ?? 0),
  );
  return newest > stamp.mtimeMs ? 'sources changed since the last build' : null;
}
