import path from 'node:path';
import { ensureBuild } from '../../server/build/ensure-build.ts';
import { SDK } from '../../server/build/targets.ts';

/**
 * vitest globalSetup of the e2e project: makes dist/sdk fresh (server/build/targets.ts) under the
 * build lock, so two test runs never build at once and the second does not build again.
 */
export default function setup(): void {
  ensureBuild(path.resolve(import.meta.dirname, '..', '..'), SDK);
}
