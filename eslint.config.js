import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript-eslint';
import svelteConfig from './svelte.config.js';

const root = path.dirname(fileURLToPath(import.meta.url));

/** Top-level folder of an absolute path inside the repo, or undefined outside it. */
function areaOf(absolute) {
  const rel = path.relative(root, absolute);
  if (rel.startsWith('..') || path.isAbsolute(rel)) return undefined;
  return rel.split(path.sep)[0];
}

const aliases = { $shared: 'shared', $server: 'server', $workers: 'workers', $lib: 'web/src/lib' };

/** Resolves an import specifier to an absolute path, or undefined for packages. */
function resolveSpecifier(specifier, fromFile) {
  if (specifier.startsWith('.')) return path.resolve(path.dirname(fromFile), specifier);
  for (const [alias, target] of Object.entries(aliases)) {
    if (specifier === alias || specifier.startsWith(`${alias}/`)) {
      return path.join(root, target, specifier.slice(alias.length));
    }
  }
  return undefined;
}

/** web/ files that only ever run on the server (SvelteKit's own convention). */
function isWebServerFile(file) {
  const base = path.basename(file);
  return (
    base.startsWith('hooks.server.') ||
    base.startsWith('+server.') ||
    /\.server\.(ts|js)$/.test(base) ||
    file.includes(`${path.sep}lib${path.sep}server${path.sep}`)
  );
}

/** The public client API of workers/ that web/ browser code may import. */
const workersPublic = [path.join(root, 'workers', 'client.ts'), path.join(root, 'workers', 'types.ts')];

/**
 * Enforces the import directions of DEVELOPERS.md: shared → nothing of ours; workers and
 * server → shared; web → shared, the public worker client and tRPC *types*; only web's
 * server files reach into server/.
 */
const importBoundaries = {
  meta: {
    type: 'problem',
    messages: { forbidden: '{{from}} may not import {{to}} ({{why}}).' },
    schema: [],
  },
  create(context) {
    const file = context.filename;
    const from = areaOf(file);
    function check(node, specifier, typeOnly) {
      const target = resolveSpecifier(specifier, file);
      if (!target) return;
      const to = areaOf(target);
      if (!to || to === from) return;
      const report = (why) => context.report({ node, messageId: 'forbidden', data: { from, to, why } });
      if (from === 'shared') return report('shared/ imports nothing of ours');
      if (from === 'workers' || from === 'server') {
        if (to !== 'shared') report(`${from}/ imports shared/ only`);
        return;
      }
      if (from === 'web') {
        if (to === 'shared') return;
        if (isWebServerFile(file) && to === 'server') return;
        if (to === 'server' && typeOnly) return;
        if (to === 'workers' && workersPublic.some((p) => target === p || `${target}.ts` === p)) return;
        report('web/ browser code imports shared/, the public worker client and tRPC types only');
      }
    }
    const visit = (node) => {
      if (node.source && typeof node.source.value === 'string') {
        const typeOnly =
          node.importKind === 'type' ||
          node.exportKind === 'type' ||
          (node.specifiers?.length > 0 && node.specifiers.every((s) => s.importKind === 'type'));
        check(node, node.source.value, typeOnly);
      }
    };
    return {
      ImportDeclaration: visit,
      ExportNamedDeclaration: visit,
      ExportAllDeclaration: visit,
      ImportExpression(node) {
        if (node.source.type === 'Literal' && typeof node.source.value === 'string') {
          check(node, node.source.value, false);
        }
      },
    };
  },
};

export default ts.config(
  {
    ignores: [
      'build/',
      'dist/',
      '.svelte-kit/',
      'data/',
      'node_modules/',
      'test/bench/results/',
      'server/db/migrations/',
      'models/**/*.py',
      '.tmp/',
    ],
  },
  js.configs.recommended,
  ...ts.configs.recommended,
  ...svelte.configs.recommended,
  prettier,
  ...svelte.configs.prettier,
  {
    languageOptions: { globals: { ...globals.browser, ...globals.node } },
    plugins: { ferry: { rules: { 'import-boundaries': importBoundaries } } },
    rules: {
      'ferry/import-boundaries': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': [
        'error',
        { selector: 'ExportAllDeclaration', message: 'Named exports only; no export * across folders.' },
      ],
      // tRPC's own rule: more than three parameters become an options object.
      'max-params': ['error', 3],
    },
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts', '**/*.svelte.js'],
    languageOptions: {
      parserOptions: {
        projectService: true,
        extraFileExtensions: ['.svelte'],
        parser: ts.parser,
        svelteConfig,
      },
    },
  },
);
