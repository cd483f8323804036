import type { Ferry } from '../ferry.ts';
import { serverInfo } from '../services/server-info.ts';
import { guarded, json } from './respond.ts';

/** `GET /.well-known/ferry.json`: server info including the public key manifests are signed with. */
export function serveWellKnown(ferry: Ferry): Promise<Response> {
  return guarded(() => json(serverInfo(ferry), { headers: { 'Cache-Control': 'public, max-age=300' } }));
}
