import { z } from 'zod';

/** `GET /.well-known/ferry.json`: who this server is and the key its metadata is signed with. */
export const ServerInfo = z.object({
  service: z.literal('ferry'),
  serverVersion: z.string(),
  apiVersion: z.literal(1),
  /** Lowercase hex SHA-256 of the raw 32-byte public key. */
  keyid: z.string().regex(/^[0-9a-f]{64}$/),
  /** Base64 of the raw 32-byte Ed25519 public key. */
  publicKey: z.string(),
  keyAlgorithm: z.literal('ed25519'),
  /** How `sig` is computed over `signed`. */
  signatureScheme: z.literal('ed25519-jcs'),
  /**
   * The client packages this server supports, as semver ranges by npm name, e.g.
   * `{ "@ferry/client": ">=0.1.0 <0.2.0" }`. Absent from servers older than the packages.
   */
  clients: z.record(z.string().min(1).max(214), z.string().min(1).max(256)).optional(),
});
export type ServerInfo = z.infer<typeof ServerInfo>;
