import { verifyAsync } from '@noble/ed25519';

let webCryptoEd25519: boolean | undefined;

/**
 * Verifies an Ed25519 signature with WebCrypto where the platform has it (Chromium ≥ 137,
 * Node ≥ 20) and with the audited @noble/ed25519 where it does not. Never throws for a bad
 * signature or malformed key; returns false.
 */
export async function verifyEd25519(
  publicKey: Uint8Array,
  signature: Uint8Array,
  message: Uint8Array,
): Promise<boolean> {
  if (publicKey.length !== 32 || signature.length !== 64) return false;
  if (webCryptoEd25519 !== false) {
    try {
      const key = await crypto.subtle.importKey(
        'raw',
        publicKey as Uint8Array<ArrayBuffer>,
        { name: 'Ed25519' },
        false,
        ['verify'],
      );
      webCryptoEd25519 = true;
      return await crypto.subtle.verify(
        { name: 'Ed25519' },
        key,
        signature as Uint8Array<ArrayBuffer>,
        message as Uint8Array<ArrayBuffer>,
      );
    } catch (error) {
      // NotSupportedError: this platform's WebCrypto has no Ed25519; anything else is a bad key.
      if ((error as { name?: string }).name !== 'NotSupportedError') return false;
      webCryptoEd25519 = false;
    }
  }
  try {
    return await verifyAsync(signature, message, publicKey);
  } catch {
    return false;
  }
}
