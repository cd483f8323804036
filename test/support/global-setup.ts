import path from 'node:path';
import { ensureBuild } from '../../server/build/ensure-build.ts';

/**
 * vitest globalSetup of the integration and e2e projects: makes build/ fresh (same staleness rule
 * as `npm start`) under the build lock, so test servers start without building.
 */
export default function setup(): void {
  ensureBuild(path.resolve(import.meta.dirname, '..', '..'));
}
