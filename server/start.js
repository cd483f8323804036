// `npm start`: runs server/main.ts under tsx in this same process (so a signal sent to this
// process reaches the server itself), with server/tsconfig.json for the `$shared` path alias.
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

register({ tsconfig: fileURLToPath(new URL('./tsconfig.json', import.meta.url)) });
await import('./main.ts');
