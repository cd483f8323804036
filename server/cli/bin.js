#!/usr/bin/env node
// The `ferry` command: runs the TypeScript CLI under tsx in this process, with server/tsconfig.json
// so that the `$shared` path alias resolves wherever the command is run from.
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

register({ tsconfig: fileURLToPath(new URL('../tsconfig.json', import.meta.url)) });
await import('./main.ts');
