import path from 'node:path';

/** One build of this repository: what it is made from, where it records success, and how it is run. */
export interface BuildTarget {
  /** Passed to build-if-stale.ts to name the target across the lock's process boundary. */
  name: 'web' | 'sdk' | 'cli';
  /** Said in log lines: `ferry: building <label> (…)`. */
  label: string;
  /** Root-relative file holding the start time of the last complete build (also its mtime). */
  stamp: string;
  /** Root-relative outputs that must exist besides the stamp for a build to count as complete. */
  outputs: readonly string[];
  /** Root-relative folders and files; any of them newer than the stamp makes the build stale. */
  inputs: readonly string[];
  /** Root-relative paths under the inputs whose changes do not count (tests, caches, tooling). */
  skip: RegExp;
  /** The build command (argv), run in the repository root. */
  command: readonly string[];
}

/** The SvelteKit app in build/ that `npm start` serves (`vite build`). */
export const WEB_APP: BuildTarget = {
  name: 'web',
  label: 'the web app',
  stamp: path.join('build', '.ferry-build-stamp'),
  outputs: [path.join('build', 'handler.js')],
  inputs: [
    'web',
    'server',
    'shared',
    'workers',
    'package.json',
    'svelte.config.js',
    'vite.config.ts',
    'tsconfig.json',
    'tsconfig.base.json',
  ],
  // server-bundle.js counts: server/ferry.ts imports it (to find the ingest thread's bundle).
  skip: /(^|\/)(node_modules|\.svelte-kit)(\/|$)|\.test\.ts$|^server\/(cli|testing|db\/migrations)\/|^server\/build\/(?!server-bundle\.js$)/,
  command: [process.execPath, path.join('node_modules', 'vite', 'bin', 'vite.js'), 'build', '--logLevel', 'warn'],
};

/** The embeddable SDK in dist/sdk that product teams import and the e2e tests load (`npm run build:sdk`). */
export const SDK: BuildTarget = {
  name: 'sdk',
  label: 'the SDK',
  stamp: path.join('dist', 'sdk', '.ferry-sdk-stamp'),
  outputs: [],
  inputs: ['workers', 'shared', 'package.json', 'package-lock.json'],
  skip: /\.test\.ts$/,
  command: ['npm', 'run', 'build:sdk'],
};

/**
 * The `@ferry/cli` package in dist/packages/cli (`ferry.js`, one bundled file), as `npm run
 * build:packages` makes it: what the integration tests run, since it starts in a fraction of the
 * time `server/cli/bin.js` takes to compile the sources under tsx.
 */
export const CLI: BuildTarget = {
  name: 'cli',
  label: 'the ferry CLI package',
  stamp: path.join('dist', 'packages', 'cli', '.ferry-cli-stamp'),
  outputs: [path.join('dist', 'packages', 'cli', 'ferry.js')],
  inputs: ['server', 'shared', 'package.json', 'package-lock.json'],
  skip: /(^|\/)node_modules(\/|$)|\.test\.ts$|^server\/(build|testing|db\/migrations)\//,
  command: [process.execPath, '--import', 'tsx', path.join('server', 'cli', 'package', 'build.ts')],
};

/** Every target by name, for build-if-stale.ts. */
export const BUILD_TARGETS: Readonly<Record<BuildTarget['name'], BuildTarget>> = {
  web: WEB_APP,
  sdk: SDK,
  cli: CLI,
};
