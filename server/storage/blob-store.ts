import { ErrorCode, FerryError, Sha256 } from '$shared';

/** Throws `INVALID_INPUT` naming the digest unless it is 64 lowercase hex digits (a blob key). */
export function assertDigest(sha256: string): void {
  if (!Sha256.safeParse(sha256).success) {
    throw new FerryError(ErrorCode.INVALID_INPUT, `sha256: "${sha256}" is not 64 lowercase hex digits`);
  }
}

/** The `PAYLOAD_TOO_LARGE` error of a body beyond `maxBytes`, whether declared or streamed. */
export function payloadTooLarge(maxBytes: number): FerryError {
  return new FerryError(ErrorCode.PAYLOAD_TOO_LARGE, `body: larger than the limit of ${maxBytes} bytes`, {
    details: { maxBytes },
  });
}

/** A stored blob's digest and length. */
export interface BlobInfo {
  sha256: string;
  size: number;
}

/** What {@link BlobStore.put} did. */
export interface PutResult extends BlobInfo {
  /** False when identical bytes were already stored (content addressing stores them once). */
  created: boolean;
}

/** Options for {@link BlobStore.put}. */
export interface PutOptions {
  /** When given, the bytes must hash to it or nothing is stored (`INTEGRITY_MISMATCH`). */
  expectedSha256?: string;
  /** Bytes beyond this abort the write (`PAYLOAD_TOO_LARGE`). */
  maxBytes: number;
}

/** An inclusive byte range, as HTTP `Range: bytes=start-end` names it. */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * Content-addressed storage of immutable blobs keyed by their sha256. Implementations: the
 * local filesystem today, an S3-compatible bucket later. Callers never see paths.
 *
 * Contracts: `put` is atomic (a reader sees all of a blob or none of it, also across a crash)
 * and idempotent for the same bytes; blobs are never modified in place. The store knows nothing
 * of versions: whether a blob may be served is the registry's decision.
 */
export interface BlobStore {
  /** Streams `body` in, hashing on the fly. Throws `INTEGRITY_MISMATCH` or `PAYLOAD_TOO_LARGE`. */
  put(body: AsyncIterable<Uint8Array>, options: PutOptions): Promise<PutResult>;
  /** The blob's size, or null when it is not stored. Never throws for a missing blob. */
  stat(sha256: string): Promise<BlobInfo | null>;
  /**
   * A web stream of the blob's bytes (or of `range` of them), ready to be a Response body.
   * Throws `BLOB_NOT_FOUND`; cancelling the stream releases what it holds.
   */
  read(sha256: string, range?: ByteRange): Promise<ReadableStream<Uint8Array>>;
  /** All of a blob's bytes in memory; for validation of files that must be parsed whole. */
  readAll(sha256: string): Promise<Uint8Array>;
  /** Removes a blob; a no-op when absent. */
  delete(sha256: string): Promise<void>;
  /** Every stored blob with the time it was stored, in no particular order. */
  list(): AsyncIterable<BlobInfo & { storedAt: Date }>;
  /** Deletes leftovers of writes a crash interrupted; returns how many. Call before serving. */
  cleanTemp(): Promise<number>;
}
