import type { CacheArea } from './types.ts';

/** Checkpoints of interrupted downloads, so that a later attempt resumes with a Range request. */
export interface PartialStore {
  /** The bytes saved so far for `sha256`, in order and contiguous from offset 0 (else none). */
  load(sha256: string): Promise<Uint8Array[]>;
  /** Saves `chunk`, which starts at byte `offset` of the file. */
  append(sha256: string, offset: number, chunk: Uint8Array): Promise<void>;
  /** Forgets everything saved for `sha256`. */
  clear(sha256: string): Promise<void>;
}

const keyOf = (sha256: string, offset: number) => `${sha256}/${offset.toString().padStart(15, '0')}`;

/**
 * Partial downloads as separate chunks (one key per checkpoint), so that saving progress costs
 * only the new bytes. The bytes are unverified: they are used only to finish a download whose
 * whole content is then verified, and are cleared whatever the verdict.
 */
export function createPartialStore(area: CacheArea<Uint8Array>): PartialStore {
  const keysOf = async (sha256: string) =>
    (await area.keys()).filter((key) => key.startsWith(`${sha256}/`)).sort();

  return {
    async load(sha256) {
      const chunks: Uint8Array[] = [];
      let offset = 0;
      for (const key of await keysOf(sha256)) {
        const chunk = await area.match(key);
        if (!chunk || key !== keyOf(sha256, offset)) {
          await this.clear(sha256);
          return [];
        }
        chunks.push(chunk);
        offset += chunk.byteLength;
      }
      return chunks;
    },
    append: (sha256, offset, chunk) => area.put(keyOf(sha256, offset), chunk),
    async clear(sha256) {
      for (const key of await keysOf(sha256)) await area.delete(key);
    },
  };
}
