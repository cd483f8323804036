import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..', '..');

/**
 * A copy of the bundle folder `from` (absolute, or relative to the repo root) in a temp dir, with
 * `edit` applied to its ferry.json (`dir` is the copy, to add or alter files): another version, a
 * wrong signature, a truncated file… Returns the copy's path.
 *
 * @example bundleVariant(tinyDir, (m) => void (m.version = '2.0.0'));
 */
export function bundleVariant(
  from: string,
  edit: (manifest: Record<string, unknown>, dir: string) => void,
): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'ferry-bundle-'));
  cpSync(path.resolve(root, from), dir, { recursive: true });
  const file = path.join(dir, 'ferry.json');
  const manifest = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  edit(manifest, dir);
  writeFileSync(file, JSON.stringify(manifest, null, 2));
  return dir;
}

/** Removes a folder made by {@link bundleVariant} (or any temp folder); missing is fine. */
export function removeTempDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** Writes `file.bytes` into a bundle variant and lists it in the variant's manifest with `file.role`. */
export function addFile(
  manifest: Record<string, unknown>,
  dir: string,
  file: { path: string; bytes: Uint8Array; role: string },
): void {
  writeFileSync(path.join(dir, file.path), file.bytes);
  (manifest.files as { path: string; role: string }[]).push({ path: file.path, role: file.role });
}
