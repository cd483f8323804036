import { createHash, sign } from 'node:crypto';
import { canonicalBytes, toBase64, type Envelope } from '$shared';
import type { KeyPair } from './key-pair.ts';

/** Signs metadata with the server key. */
export interface Signer {
  /** Lowercase hex sha256 of the raw public key. */
  readonly keyid: string;
  /** Base64 of the raw 32-byte public key, as `/.well-known/ferry.json` publishes it. */
  readonly publicKey: string;
  /** Wraps `signed` in a TUF envelope signed over its RFC 8785 canonical JSON. */
  sign<T>(signed: T): Envelope<T>;
}

/** Creates the {@link Signer} for a key pair (Ed25519, `ed25519-jcs` scheme). */
export function createSigner(keys: KeyPair): Signer {
  const keyid = createHash('sha256').update(keys.rawPublicKey).digest('hex');
  return {
    keyid,
    publicKey: toBase64(keys.rawPublicKey),
    sign<T>(signed: T): Envelope<T> {
      const sig = sign(null, canonicalBytes(signed), keys.privateKey);
      return { signed, signatures: [{ keyid, sig: sig.toString('base64') }] };
    },
  };
}
