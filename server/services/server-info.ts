import semver from 'semver';
import type { ServerInfo } from '$shared';
import type { Ferry } from '../ferry.ts';

// The first @ferry/client release, which speaks API v1 as this server does.
const FIRST_CLIENT = '0.1.0';

/**
 * The @ferry/client versions a server of `serverVersion` supports: every release from the first
 * up to its own minor (packages are versioned with the server; a newer client may use what this
 * server lacks). `0.1.0` → `>=0.1.0 <0.2.0`, `1.4.2` → `>=0.1.0 <1.5.0`.
 */
export function supportedClients(serverVersion: string): string {
  const parsed = semver.parse(serverVersion);
  if (!parsed) throw new Error(`server version ${serverVersion} is not semver`);
  return `>=${FIRST_CLIENT} <${parsed.major}.${parsed.minor + 1}.0`;
}

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
    clients: { '@ferry/client': supportedClients(ferry.serverVersion) },
  };
}
