import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** The server's Ed25519 key pair as Node key objects plus the raw 32-byte public key. */
export interface KeyPair {
  privateKey: KeyObject;
  publicKey: KeyObject;
  rawPublicKey: Uint8Array;
}

/** The raw 32-byte Ed25519 public key inside a Node key object. */
function rawPublicKeyOf(publicKey: KeyObject): Uint8Array {
  const spki = publicKey.export({ format: 'der', type: 'spki' });
  // An Ed25519 SPKI is a fixed 12-byte header followed by the 32 key bytes (RFC 8410 §4).
  return new Uint8Array(spki.subarray(spki.length - 32));
}

function writeAtomic(file: string, content: string, mode: number): void {
  const temp = `${file}.tmp`;
  writeFileSync(temp, content, { mode });
  chmodSync(temp, mode);
  renameSync(temp, file);
}

/**
 * Loads the key pair from `keysDir/ed25519.key` (PKCS8 PEM, mode 0600) and `ed25519.pub`
 * (SPKI PEM), creating both on first start. The private key never leaves this process.
 */
export function ensureKeyPair(keysDir: string): KeyPair & { created: boolean } {
  const privateFile = path.join(keysDir, 'ed25519.key');
  const publicFile = path.join(keysDir, 'ed25519.pub');
  let created = false;
  if (!existsSync(privateFile)) {
    mkdirSync(keysDir, { recursive: true, mode: 0o700 });
    const pair = generateKeyPairSync('ed25519');
    writeAtomic(privateFile, pair.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(), 0o600);
    created = true;
  }
  const privateKey = createPrivateKey(readFileSync(privateFile));
  const publicKey = createPublicKey(privateKey);
  if (created || !existsSync(publicFile)) {
    writeAtomic(publicFile, publicKey.export({ format: 'pem', type: 'spki' }).toString(), 0o644);
  }
  return { privateKey, publicKey, rawPublicKey: rawPublicKeyOf(publicKey), created };
}
