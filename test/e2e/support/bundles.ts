import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { root } from './stack.ts';

/**
 * A copy of the bundle folder `from` (relative to the repo root) in a temp dir, with `edit`
 * applied to its ferry.json (`dir` is the copy, to add files). Returns the copy's path.
 */
export function bundleVariant(
  from: string,
  edit: (manifest: Record<string, unknown>, dir: string) => void,
): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'ferry-e2e-bundle-'));
  cpSync(path.join(root, from), dir, { recursive: true });
  const file = path.join(dir, 'ferry.json');
  const manifest = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  edit(manifest, dir);
  writeFileSync(file, JSON.stringify(manifest, null, 2));
  return dir;
}

/** Adds `bytes` to a bundle variant as a file with role `other`. */
export function addFile(
  manifest: Record<string, unknown>,
  dir: string,
  file: { path: string; bytes: Uint8Array },
): void {
  writeFileSync(path.join(dir, file.path), file.bytes);
  (manifest.files as { path: string; role: string }[]).push({ path: file.path, role: 'other' });
}
