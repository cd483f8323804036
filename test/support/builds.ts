import { tmpdir } from 'node:os';
import path from 'node:path';
import { BUILD_TARGETS, type BuildTarget } from '../../server/build/targets.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The builds (server/build/targets.ts) a test project's files need fresh, in build order. */
    ferryBuilds: BuildTarget['name'][];
  }
}

/** The repository root, where every build runs. */
export const repoRoot = path.resolve(import.meta.dirname, '..', '..');

/** The build targets named in a project's `provide.ferryBuilds`. */
export function buildTargets(names: readonly BuildTarget['name'][] | undefined): BuildTarget[] {
  return (names ?? []).map((name) => BUILD_TARGETS[name]);
}

/**
 * The file test/support/global-setup.ts writes once its builds of `names` are fresh: in the run's
 * temp folder (test/support/temp-root.ts), so it lasts one run, and files then skip the check.
 */
export function buildsDoneMarker(names: readonly BuildTarget['name'][] | undefined): string {
  return path.join(tmpdir(), `builds-fresh-${(names ?? []).join('-')}`);
}
