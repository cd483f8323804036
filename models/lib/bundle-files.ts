import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BundleManifest } from '$shared/schemas/manifest.ts';

/** Absolute path of the models/ folder. */
export const modelsDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Names of the example bundles: every folder under models/ holding a ferry.json. */
export function listBundles(): string[] {
  return readdirSync(modelsDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && statSafe(path.join(modelsDir, d.name, 'ferry.json')))
    .map((d) => d.name)
    .sort();
}

function statSafe(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/** Absolute path of a file inside a bundle folder. */
export function bundlePath(bundle: string, file = ''): string {
  return path.join(modelsDir, bundle, file);
}

/** Parses `ferry.json` of a bundle with the BundleManifest schema (throws a ZodError naming the field). */
export function readManifest(bundle: string): BundleManifest {
  return BundleManifest.parse(JSON.parse(readFileSync(bundlePath(bundle, 'ferry.json'), 'utf8')));
}

/** Reads a JSON file of a bundle without validation (samples.json, metrics.json, …). */
export function readBundleJson<T>(bundle: string, file: string): T {
  return JSON.parse(readFileSync(bundlePath(bundle, file), 'utf8')) as T;
}

/** Lowercase hex SHA-256 of a file's bytes. */
export function sha256File(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/**
 * The `SHA256SUMS` of a bundle (sha256sum format: `<hex>  <relative path>` per line) as a map
 * from relative path to digest.
 */
export function readSha256Sums(bundle: string): Map<string, string> {
  const sums = new Map<string, string>();
  const text = readFileSync(bundlePath(bundle, 'SHA256SUMS'), 'utf8');
  for (const [index, line] of text.split('\n').entries()) {
    if (line.trim() === '') continue;
    const match = /^([0-9a-f]{64}) [ *](.+)$/.exec(line);
    if (!match) throw new Error(`${bundle}/SHA256SUMS line ${index + 1}: not "<sha256>  <path>"`);
    sums.set(match[2] as string, match[1] as string);
  }
  return sums;
}

/** Files in a bundle folder that are sources or docs rather than artifacts (not hashed). */
export function isSourceFile(relative: string): boolean {
  const base = path.basename(relative);
  return (
    base === 'SHA256SUMS' ||
    base === 'README.md' ||
    /\.(py|ts|mjs|sh)$/.test(base) ||
    relative.split('/').includes('__pycache__')
  );
}

/** Every file under a folder, as POSIX paths relative to it. */
export function walkFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    out.push(path.relative(dir, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'));
  }
  return out.sort();
}
