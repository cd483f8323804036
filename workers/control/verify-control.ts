import { ErrorCode, FerryError } from '$shared/errors.ts';
import { ControlDocument } from '$shared/schemas/control.ts';
import { verifyEnvelope, type TrustedKey } from '$shared/signing/verify.ts';

/** What a document is checked against besides its signature. */
export interface ControlExpectation {
  /** The model it was asked for: a document for another one is refused (mix-and-match). */
  model: string;
  /** The highest `metadataVersion` this device accepted for the model, if any. */
  highestSeen?: number;
  /** Now, in ms since the epoch. */
  now: number;
}

/**
 * Verifies a control envelope with the pinned key and checks it is current for `model`. Throws
 * `SIGNATURE_INVALID` (no valid signature by the key, tampered, or a document for another model),
 * `MANIFEST_INVALID` (signed but not a control document), `METADATA_STALE` (older than one seen:
 * a rollback attack) or `METADATA_EXPIRED` (past `expires`: a freeze attack). A document equal to
 * the highest seen passes: the server resends the current one on every reconnect.
 */
export async function verifyControl(
  envelope: unknown,
  key: TrustedKey,
  expected: ControlExpectation,
): Promise<ControlDocument> {
  const document = await verifyEnvelope(envelope, ControlDocument, key);
  if (document.model !== expected.model) {
    // Signed by our key, but for another model: TUF's mix-and-match attack.
    throw new FerryError(
      ErrorCode.SIGNATURE_INVALID,
      `control: asked for ${expected.model}, the signed document is for ${document.model}`,
      { details: { model: document.model } },
    );
  }
  if (expected.highestSeen !== undefined && document.metadataVersion < expected.highestSeen) {
    throw new FerryError(
      ErrorCode.METADATA_STALE,
      `control: ${document.model} has metadataVersion ${document.metadataVersion}, older than ${expected.highestSeen} already seen`,
      { details: { metadataVersion: document.metadataVersion, seen: expected.highestSeen } },
    );
  }
  refuseExpired(document, expected.now);
  return document;
}

/** Throws `METADATA_EXPIRED` when `document` is past its `expires` at `now`. */
export function refuseExpired(document: ControlDocument, now: number): void {
  if (Date.parse(document.expires) <= now) {
    throw new FerryError(
      ErrorCode.METADATA_EXPIRED,
      `control: ${document.model} (metadataVersion ${document.metadataVersion}) expired at ${document.expires}`,
      { details: { metadataVersion: document.metadataVersion, expires: document.expires } },
    );
  }
}
