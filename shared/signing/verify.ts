import type { z } from 'zod';
import { ErrorCode, FerryError } from '../errors.ts';
import { fromBase64, sha256Hex } from '../encoding/bytes.ts';
import { AnyEnvelope } from '../schemas/envelope.ts';
import { PublishedManifest } from '../schemas/manifest.ts';
import { canonicalBytes } from './canonical-json.ts';
import { verifyEd25519 } from './ed25519.ts';
import { describeIssue } from '../zod-issue.ts';

/** A public key as `/.well-known/ferry.json` publishes it: base64 of the raw 32 bytes. */
export interface TrustedKey {
  publicKey: string | Uint8Array;
  /** When given, it must match the key (a pin on both). */
  keyid?: string;
}

/** The key id Ferry uses: lowercase hex SHA-256 of the raw 32-byte public key. */
export async function keyIdOf(publicKey: Uint8Array): Promise<string> {
  return sha256Hex(publicKey);
}

function rawKey(key: TrustedKey): Uint8Array {
  if (typeof key.publicKey !== 'string') return key.publicKey;
  try {
    return fromBase64(key.publicKey);
  } catch {
    throw new FerryError(ErrorCode.INVALID_INPUT, 'publicKey: not base64 of a 32-byte Ed25519 key');
  }
}

/**
 * Checks that `envelope` carries a valid signature by `key` over the canonical JSON of its
 * `signed` part, then parses `signed` with `schema`. Throws `SIGNATURE_INVALID` when no
 * signature verifies and `MANIFEST_INVALID` when the signed content does not fit the schema.
 *
 * @example
 * const manifest = await verifyEnvelope(await res.json(), PublishedManifest, { publicKey });
 */
export async function verifyEnvelope<S extends z.ZodType>(
  envelope: unknown,
  schema: S,
  key: TrustedKey,
): Promise<z.infer<S>> {
  const raw = rawKey(key);
  if (raw.length !== 32) throw new FerryError(ErrorCode.INVALID_INPUT, 'publicKey: must be 32 bytes');
  const keyid = await keyIdOf(raw);
  if (key.keyid !== undefined && key.keyid !== keyid) {
    throw new FerryError(ErrorCode.INVALID_INPUT, 'keyid: does not match publicKey');
  }
  const parsed = AnyEnvelope.safeParse(envelope);
  if (!parsed.success) {
    throw new FerryError(
      ErrorCode.SIGNATURE_INVALID,
      `signed metadata: not a signed envelope (${parsed.error.issues[0]?.message ?? 'shape'})`,
    );
  }
  const message = canonicalBytes(parsed.data.signed);
  let valid = false;
  for (const signature of parsed.data.signatures) {
    if (signature.keyid !== keyid) continue;
    let sig: Uint8Array;
    try {
      sig = fromBase64(signature.sig);
    } catch {
      continue;
    }
    if (await verifyEd25519(raw, sig, message)) {
      valid = true;
      break;
    }
  }
  if (!valid) {
    throw new FerryError(
      ErrorCode.SIGNATURE_INVALID,
      `signed metadata: no valid signature by key ${keyid.slice(0, 16)}…`,
      {
        details: { keyid },
      },
    );
  }
  const content = schema.safeParse(parsed.data.signed);
  if (!content.success) {
    throw new FerryError(ErrorCode.MANIFEST_INVALID, `signed.${describeIssue(content.error, '')}`);
  }
  return content.data;
}

/**
 * Verifies a signed manifest as served by `GET /api/v1/models/{name}/versions/{version}/manifest`.
 *
 * @example
 * const { publicKey } = await (await fetch(`${server}/.well-known/ferry.json`)).json();
 * const manifest = await verifyManifest(await (await fetch(manifestUrl)).json(), { publicKey });
 */
export function verifyManifest(envelope: unknown, key: TrustedKey): Promise<PublishedManifest> {
  return verifyEnvelope(envelope, PublishedManifest, key);
}
