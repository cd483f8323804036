import { ErrorCode, FerryError } from '$shared/errors.ts';
import { sha256Hex } from '$shared/encoding/bytes.ts';

/** A file as a manifest lists it. */
export interface ExpectedFile {
  path: string;
  sha256: string;
  size: number;
}

/**
 * Resolves when `bytes` are exactly the file the signed manifest describes; otherwise throws
 * `INTEGRITY_MISMATCH` naming the file. Callers must not cache or use bytes before this resolves.
 */
export async function verifyFileBytes(bytes: Uint8Array, file: ExpectedFile): Promise<void> {
  if (bytes.byteLength !== file.size) {
    throw new FerryError(
      ErrorCode.INTEGRITY_MISMATCH,
      `${file.path}: expected ${file.size} bytes, got ${bytes.byteLength}`,
      { details: { path: file.path, expectedSize: file.size, actualSize: bytes.byteLength } },
    );
  }
  const actual = await sha256Hex(bytes);
  if (actual !== file.sha256) {
    throw new FerryError(
      ErrorCode.INTEGRITY_MISMATCH,
      `${file.path}: sha256 is ${actual}, the signed manifest says ${file.sha256}`,
      { details: { path: file.path, expected: file.sha256, actual } },
    );
  }
}
