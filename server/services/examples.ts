import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type { ServiceDeps } from './deps.ts';
import { systemActor } from './deps.ts';
import { readLocalBundle, storeLocalFiles } from './local-bundle.ts';
import { isPublished, publishVersion } from './publish.ts';

/** What happened to each example bundle. */
export interface ExamplesReport {
  published: string[];
  skipped: string[];
  failed: { dir: string; message: string }[];
}

/**
 * Publishes every `<modelsDir>/<name>/ferry.json` whose version is not yet in the registry, in
 * process. Idempotent: a second run publishes nothing. A bad example is reported, not fatal, so
 * one broken folder does not keep the server from starting.
 */
export async function publishExamples(deps: ServiceDeps, modelsDir: string): Promise<ExamplesReport> {
  const report: ExamplesReport = { published: [], skipped: [], failed: [] };
  const entries = await readdir(modelsDir, { withFileTypes: true }).catch(() => []);
  const dirs = entries
    .filter((e) => e.isDirectory() && existsSync(path.join(modelsDir, e.name, 'ferry.json')))
    .map((e) => path.join(modelsDir, e.name))
    .sort();
  for (const dir of dirs) {
    try {
      const bundle = await readLocalBundle(dir);
      const id = `${bundle.manifest.name}@${bundle.manifest.version}`;
      if (isPublished(deps.db, bundle.manifest.name, bundle.manifest.version)) {
        report.skipped.push(id);
        continue;
      }
      const files = await storeLocalFiles(bundle, deps.blobs, deps.maxFileBytes);
      await publishVersion(deps, { manifest: bundle.manifest, files }, systemActor);
      report.published.push(id);
    } catch (error) {
      report.failed.push({ dir, message: error instanceof Error ? error.message : String(error) });
    }
  }
  return report;
}
