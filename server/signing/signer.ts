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

/** A signed envelope serialized as stored and served, with the sha256 of that body (its ETag). */
export interface SignedBody {
  envelope: string;
  envelopeSha256: string;
}

/** Signs `signed` and serializes the envelope once, so the stored bytes and their digest agree. */
export function signToBody<T>(signer: Signer, signed: T): SignedBody {
  const envelope = JSON.stringify(signer.sign(signed));
  return { envelope, envelopeSha256: createHash('sha256').update(envelope).digest('hex') };
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
