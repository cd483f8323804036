// `npm start`: runs server/main.ts under tsx in this same process (so a signal sent to this
// process reaches the server itself), with server/tsconfig.json for the `$shared` path alias.
import { register } from 'tsx/esm/api';

register({ tsconfig: new URL('./tsconfig.json', import.meta.url).pathname });
await import('./main.ts');
