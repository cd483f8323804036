import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { ensureServerBundle } from './server-bundle.js';

let root: string;
afterEach(() => rmSync(root, { recursive: true, force: true }));

const past = (Date.now() - 60_000) / 1000;

/** A repository with a two-module server/main.ts, shaped like ours, written a minute ago. */
function tinyRepository(): string {
  root = mkdtempSync(path.join(tmpdir(), 'ferry-bundle-'));
  mkdirSync(path.join(root, 'server'));
  writeFileSync(path.join(root, 'server', 'tsconfig.json'), '{}');
  writeFileSync(path.join(root, 'server', 'answer.ts'), 'export const answer: number = 41;\n');
  writeFileSync(
    path.join(root, 'server', 'main.ts'),
    "import path from 'node:path';\nimport { answer } from './answer.ts';\n" +
      "export const result = { answer, root: path.resolve(import.meta.dirname, '..') };\n",
  );
  for (const file of ['tsconfig.json', 'answer.ts', 'main.ts']) utimesSync(path.join(root, 'server', file), past, past);
  return root;
}

const mtime = (file: string) => statSync(file).mtimeMs;

describe('ensureServerBundle', () => {
  it('bundles server/main.ts one level below the root, so import.meta.dirname/.. is still the root', async () => {
    const bundle = await ensureServerBundle(tinyRepository());
    expect(path.relative(root, bundle)).toBe(path.join('dist', 'ferry-server.js'));
    const { result } = (await import(pathToFileURL(bundle).href)) as { result: { answer: number; root: string } };
    expect(result).toEqual({ answer: 41, root });
  });

  it('builds again only when a source it read changed', async () => {
    const bundle = await ensureServerBundle(tinyRepository());
    utimesSync(bundle, past, past); // so that a rebuild shows as a newer mtime
    await ensureServerBundle(root);
    expect(mtime(bundle)).toBeCloseTo(past * 1000, 0); // untouched: no rebuild

    writeFileSync(path.join(root, 'server', 'answer.ts'), 'export const answer: number = 42;\n');
    await ensureServerBundle(root);
    expect(mtime(bundle)).toBeGreaterThan(past * 1000);
    expect(readFileSync(bundle, 'utf8')).toContain('42');
  });

  it('builds again when the bundle is gone', async () => {
    const bundle = await ensureServerBundle(tinyRepository());
    rmSync(bundle);
    await ensureServerBundle(root);
    expect(readFileSync(bundle, 'utf8')).toContain('41');
  });
});
