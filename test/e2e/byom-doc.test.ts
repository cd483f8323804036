import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../shared/errors.ts';
import type { BundleManifestInput, TensorSpec } from '../../shared/schemas/manifest.ts';
import { removeTempDir } from '../support/bundles.ts';
import { startFerryServer } from '../support/ferry-server.ts';
import { startStaticServer } from './support/static-server.ts';
import { root } from './support/stack.ts';

// docs/bring-your-own-model.md shows example files verbatim; the browser tests run those files
// (byom-third-party.test.ts). Here: the page and the files agree, and the error table is complete.
// FERRY_UPDATE_DOCS=1 rewrites the included blocks from the files.

const docPath = path.join(root, 'docs/bring-your-own-model.md');
const includePattern = /<!-- include: (\S+) -->\n```(\w+)\n([\s\S]*?)```\n/g;

/** Every `<!-- include: file -->` block of the doc: the file, and the code the doc shows. */
function includes(doc: string) {
  return [...doc.matchAll(includePattern)].map(([, file, , shown]) => ({ file: file!, shown: shown! }));
}

describe('docs/bring-your-own-model.md', () => {
  it('shows every example file exactly as it is in the repository', () => {
    let doc = readFileSync(docPath, 'utf8');
    if (process.env.FERRY_UPDATE_DOCS === '1') {
      doc = doc.replace(includePattern, (_, file: string, lang: string) => {
        return `<!-- include: ${file} -->\n\`\`\`${lang}\n${readFileSync(path.join(root, file), 'utf8')}\`\`\`\n`;
      });
      writeFileSync(docPath, doc);
    }
    const blocks = includes(doc);
    expect(blocks.map((b) => b.file)).toEqual(
      expect.arrayContaining([
        'test/fixtures/bundles/silero-vad/ferry.json',
        'test/fixtures/bundles/paddleocr-rec/ferry.json',
        'test/e2e/pages/byom/open-model.mjs',
        'test/e2e/pages/byom/vad-loop.mjs',
        'test/e2e/pages/byom/read-line.mjs',
      ]),
    );
    for (const { file, shown } of blocks)
      expect(shown, file).toBe(readFileSync(path.join(root, file), 'utf8'));
  });

  it('has one row per error code of shared/errors.ts, and none for codes that do not exist', () => {
    const doc = readFileSync(docPath, 'utf8');
    const table = /<!-- error-codes -->\n([\s\S]*?)<!-- \/error-codes -->/.exec(doc)?.[1] ?? '';
    const rows = [...table.matchAll(/^\| `([A-Z_]+)` \| (.+?) \| (.+?) \|$/gm)];
    const documented = rows.map(([, code]) => code);
    expect([...documented].sort()).toEqual(Object.values(ErrorCode).sort());
    for (const [, code, meaning, action] of rows) {
      expect(meaning!.length, code).toBeGreaterThan(20);
      expect(action!.length, code).toBeGreaterThan(10);
    }
  });

  it('runs its init → edit → publish commands as written, and the edited ferry.json keeps what init read from the graph', async () => {
    const doc = readFileSync(docPath, 'utf8');
    const block = (name: string) => {
      const code = new RegExp(`<!-- run: ${name} -->\n\`\`\`sh\n([\\s\\S]*?)\`\`\`\n`).exec(doc)?.[1];
      if (!code) throw new Error(`docs/bring-your-own-model.md: no "run: ${name}" block`);
      // `npx ferry` is @ferry/cli's command; here, the repository's. Variables come from `env`.
      return code
        .split('\n')
        .filter((line) => line.trim() !== '' && !line.startsWith('export '))
        .map((line) =>
          line.replace(/^npx ferry /, `node ${JSON.stringify(path.join(root, 'server/cli/bin.js'))} `),
        )
        .join('\n');
    };
    const dir = mkdtempSync(path.join(tmpdir(), 'ferry-byom-'));
    const server = await startFerryServer();
    try {
      symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'));
      const run = (name: string) =>
        execFileSync('bash', ['-ec', block(name)], {
          cwd: dir,
          env: { ...process.env, FERRY_SERVER: server.url, FERRY_TOKEN: server.adminToken },
          encoding: 'utf8',
        });
      run('init');
      const bundle = path.join(dir, 'silero-vad');
      const fixture = path.join(root, 'test/fixtures/bundles/silero-vad/ferry.json');
      const read = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as BundleManifestInput;
      const [initial, edited] = [read(path.join(bundle, 'ferry.json')), read(fixture)];
      expect(initial.name).toBe('silero-vad');
      expect(initial.task).toBe(edited.task);
      // Same tensors, types and ranks; every size the graph fixes is kept.
      const sides = (m: BundleManifestInput) => [...m.signature.inputs, ...m.signature.outputs];
      const plain = (t: TensorSpec) => ({ name: t.name, type: t.type, rank: t.shape.length });
      expect(sides(edited).map(plain)).toEqual(sides(initial).map(plain));
      sides(initial).forEach((tensor, i) =>
        tensor.shape.forEach((dim, d) => {
          if (typeof dim === 'number') expect(sides(edited)[i]!.shape[d], `${tensor.name}[${d}]`).toBe(dim);
        }),
      );
      copyFileSync(fixture, path.join(bundle, 'ferry.json')); // the edit
      run('publish');
      const manifest = await fetch(`${server.url}/api/v1/models/silero-vad/versions/1.0.0/manifest`);
      expect(manifest.status).toBe(200);
      const { signed } = (await manifest.json()) as { signed: { name: string; signature: unknown } };
      expect(signed.signature).toEqual(edited.signature);
    } finally {
      await server.stop();
      removeTempDir(dir);
    }
  });

  it('gives the isolation headers the test site sends the example page, which is then cross-origin isolated', async () => {
    const doc = readFileSync(docPath, 'utf8');
    const block = /<!-- headers -->\n```http\n([\s\S]*?)```/.exec(doc)?.[1] ?? '';
    const headers = block
      .trim()
      .split('\n')
      .map((line) => line.split(': ') as [string, string]);
    expect(headers.map(([name]) => name)).toEqual([
      'Cross-Origin-Opener-Policy',
      'Cross-Origin-Embedder-Policy',
    ]);
    const site = await startStaticServer();
    try {
      const page = await fetch(`${site.url}byom.html`);
      for (const [name, value] of headers) expect(page.headers.get(name), name).toBe(value);
    } finally {
      await site.close();
    }
  });
});
