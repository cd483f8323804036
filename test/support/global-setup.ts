import { writeFileSync } from 'node:fs';
import type { TestProject } from 'vitest/node';
import { ensureBuildAsync } from '../../server/build/ensure-build.ts';
import { buildTargets, buildsDoneMarker, repoRoot } from './builds.ts';

/**
 * vitest globalSetup of the projects whose files need builds (`provide.ferryBuilds`: build/ for
 * test servers, dist/sdk for browsers, dist/packages/cli for CLI runs): starts making them fresh
 * (same staleness rule and lock as `npm start`) one after the other in the background and
 * returns at once, so the unit project runs on the other core meanwhile. Each test file waits
 * for what it needs in test/support/builds-ready.ts. The teardown waits for a build still
 * running, so none outlives the run.
 */
export default function setup(project: TestProject): () => Promise<void> {
  const names = project.getProvidedContext().ferryBuilds;
  const builds = buildTargets(names).reduce<Promise<void>>(
    (previous, target) => previous.then(() => ensureBuildAsync(repoRoot, target)),
    Promise.resolve(),
  );
  // A failure here is reported by the first test file that needs the target: without the marker
  // it builds again under the lock, with the build's output, and fails.
  const settled = builds.then(
    () => writeFileSync(buildsDoneMarker(names), ''),
    () => undefined,
  );
  return () => settled;
}
