import { inject } from 'vitest';
import { ensureBuildAsync } from '../../server/build/ensure-build.ts';
import { buildTargets, repoRoot } from './builds.ts';

// vitest setupFile of the projects with `provide.ferryBuilds`: before a file's tests, waits until
// each build it needs is fresh. test/support/global-setup.ts started them in the background; this
// waits on the same lock, and builds what is still stale (sources edited during the run, or a
// background build that failed, whose error this then shows).
for (const target of buildTargets(inject('ferryBuilds'))) await ensureBuildAsync(repoRoot, target);
