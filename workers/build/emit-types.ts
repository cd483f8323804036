import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

/**
 * Writes `dist/sdk/client.d.ts` and the declarations it reaches (workers/ and shared/ under
 * `dist/sdk/types/`), with `$shared` aliases and `.ts` specifiers rewritten to relative `.js`
 * paths so that any TypeScript consumer resolves them. Throws on a type error.
 */
export function emitClientTypes(root: string): void {
  const outDir = path.join(root, 'dist/sdk/types');
  const parsed = ts.getParsedCommandLineOfConfigFile(path.join(root, 'workers/tsconfig.json'), {}, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    },
  });
  if (!parsed) throw new Error('workers/tsconfig.json: unreadable');
  const program = ts.createProgram([path.join(root, 'workers/client.ts')], {
    ...parsed.options,
    noEmit: false,
    declaration: true,
    emitDeclarationOnly: true,
    rootDir: root,
    outDir,
  });
  const written: string[] = [];
  const result = program.emit(undefined, (file, text) => {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, rewriteSpecifiers(text, path.relative(path.dirname(file), path.join(outDir, 'shared'))));
    written.push(file);
  });
  const errors = ts.getPreEmitDiagnostics(program).concat(result.diagnostics);
  if (errors.length > 0) {
    throw new Error(ts.formatDiagnostics(errors, { ...ts.sys, getCanonicalFileName: (f) => f, getNewLine: () => '\n' }));
  }
  fs.writeFileSync(
    path.join(root, 'dist/sdk/client.d.ts'),
    "export * from './types/workers/client.js';\n",
  );
}

/** `$shared/x.ts` → `<rel>/x.js`, `./y.ts` → `./y.js`, in import/export specifiers and `import()` types. */
function rewriteSpecifiers(text: string, sharedDir: string): string {
  const shared = sharedDir.split(path.sep).join('/') || '.';
  return text.replace(/(['"])(\$shared(?:\/[^'"]*)?|\.{1,2}\/[^'"]*)\1/g, (_, quote: string, spec: string) => {
    let out = spec === '$shared' ? `${shared}/index.ts` : spec.replace(/^\$shared\//, `${shared}/`);
    if (!out.startsWith('.')) out = `./${out}`;
    return `${quote}${out.replace(/\.ts$/, '.js')}${quote}`;
  });
}
