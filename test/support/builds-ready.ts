import { existsSync } from 'node:fs';
import { inject } from 'vitest';
import { ensureBuildAsync } from '../../server/build/ensure-build.ts';
import { buildTargets, buildsDoneMarker, repoRoot } from './builds.ts';

// vitest setupFile of the projects with `provide.ferryBuilds`: before a file's tests, waits until
// each build it needs is fresh. test/support/global-setup.ts started them in the background and
// leaves a marker once they are; until then this waits on the same lock and builds what is still
// stale (or what a failed background build left, showing its error).
const names = inject('ferryBuilds');
if (!existsSync(buildsDoneMarker(names))) {
  for (const target of buildTargets(names)) await ensureBuildAsync(repoRoot, target);
}
