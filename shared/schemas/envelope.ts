import { z } from 'zod';

/** One signature over the canonical JSON of `signed`, by the key `keyid` names. */
export const Signature64 = z.object({
  keyid: z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex digits'),
  sig: z.string().regex(/^[A-Za-z0-9+/]+={0,2}$/, 'must be standard base64'),
});

/**
 * The TUF-style envelope every piece of signed metadata travels in:
 * `{ signed: {…}, signatures: [{ keyid, sig }] }`, with `sig` the base64 Ed25519 signature of
 * the RFC 8785 canonical JSON of `signed` (https://theupdateframework.github.io/specification/latest/#document-formats).
 */
export function signedEnvelope<T extends z.ZodType>(signed: T) {
  return z.object({ signed, signatures: z.array(Signature64).min(1).max(16) });
}

/** An envelope whose `signed` part has not been interpreted yet. */
export const AnyEnvelope = signedEnvelope(z.record(z.string(), z.unknown()));
export type AnyEnvelope = z.infer<typeof AnyEnvelope>;

/** An envelope around a value of type `T`. */
export interface Envelope<T> {
  signed: T;
  signatures: { keyid: string; sig: string }[];
}
