import { expect } from 'vitest';
import type { BundleManifestInput } from '$shared';
import { parseBundleManifest } from '../services/publish-validate.ts';

/** The message publishing gives for `manifest` (always MANIFEST_INVALID), or `ok`. */
export function manifestVerdict(manifest: BundleManifestInput): string {
  try {
    parseBundleManifest(manifest, 'manifest.');
    return 'ok';
  } catch (error) {
    expect(error).toMatchObject({ code: 'MANIFEST_INVALID' });
    return (error as Error).message;
  }
}
