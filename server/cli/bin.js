#!/usr/bin/env node
// The `ferry` command: runs the TypeScript CLI under tsx in this process, with server/tsconfig.json
// so that the `$shared` path alias resolves wherever the command is run from.
import { register } from 'tsx/esm/api';

register({ tsconfig: new URL('../tsconfig.json', import.meta.url).pathname });
await import('./main.ts');
