import type { ServerInfo } from '$shared';
import type { Ferry } from '../ferry.ts';

/** What `/.well-known/ferry.json` says: who this server is and the key its metadata is signed with. */
export function serverInfo(ferry: Ferry): ServerInfo {
  return {
    service: 'ferry',
    serverVersion: ferry.serverVersion,
    apiVersion: 1,
    keyid: ferry.deps.signer.keyid,
    publicKey: ferry.deps.signer.publicKey,
    keyAlgorithm: 'ed25519',
    signatureScheme: 'ed25519-jcs',
  };
}
