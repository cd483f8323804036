import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** The committed tiny bundle (test/fixtures/make-fixtures.py). */
export const tinyBundleDir = path.resolve(import.meta.dirname, '..', 'fixtures', 'bundles', 'tiny');

/**
 * Copies the tiny bundle into a temp folder and applies `edit` to its ferry.json, for variants
 * (another version, a wrong signature, a truncated file…). Returns the folder.
 */
export function tinyBundleVariant(
  edit: (manifest: Record<string, unknown>, dir: string) => void = () => {},
): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'ferry-bundle-'));
  cpSync(tinyBundleDir, dir, { recursive: true });
  const file = path.join(dir, 'ferry.json');
  const manifest = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  edit(manifest, dir);
  writeFileSync(file, JSON.stringify(manifest, null, 2));
  return dir;
}
