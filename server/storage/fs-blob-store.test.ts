import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BlobStore } from './blob-store.ts';
import { blobPath, createFsBlobStore } from './fs-blob-store.ts';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');
async function* chunks(...parts: string[]) {
  for (const part of parts) yield new TextEncoder().encode(part);
}

let dataDir: string;
let store: BlobStore;
beforeEach(() => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'ferry-blobs-'));
  store = createFsBlobStore({ dataDir });
});
afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

describe('createFsBlobStore', () => {
  it('stores bytes under their sha256 and reads them back whole and by range', async () => {
    const put = await store.put(chunks('hello ', 'world'), { maxBytes: 100 });
    expect(put).toEqual({ sha256: sha('hello world'), size: 11, created: true });
    expect(existsSync(blobPath(dataDir, put.sha256))).toBe(true);
    expect(await new Response(await store.read(put.sha256)).text()).toBe('hello world');
    expect(await new Response(await store.read(put.sha256, { start: 6, end: 10 })).text()).toBe('world');
    expect(await store.stat(put.sha256)).toEqual({ sha256: put.sha256, size: 11 });
  });

  it('reads blobs larger than one read chunk whole and across chunk boundaries', async () => {
    const bytes = randomBytes(2.5 * 1024 * 1024);
    async function* body() {
      yield bytes;
    }
    const { sha256 } = await store.put(body(), { maxBytes: bytes.length });
    const whole = new Uint8Array(await new Response(await store.read(sha256)).arrayBuffer());
    expect(Buffer.from(whole).equals(bytes)).toBe(true);
    const range = { start: 1024 * 1024 - 3, end: 2 * 1024 * 1024 + 5 };
    const part = new Uint8Array(await new Response(await store.read(sha256, range)).arrayBuffer());
    expect(Buffer.from(part).equals(bytes.subarray(range.start, range.end + 1))).toBe(true);
  });

  it('fails a read whose file turns out shorter than the range asked for, rather than ending it short', async () => {
    const put = await store.put(chunks('hello world'), { maxBytes: 100 });
    // A damaged data dir: the stored file lost its tail after the size was recorded.
    writeFileSync(blobPath(dataDir, put.sha256), 'hello');
    const read = new Response(await store.read(put.sha256, { start: 0, end: 10 })).text();
    await expect(read).rejects.toThrow('the file ended at byte 5, before 11');
  });

  it('stores identical bytes once and reports the second put as not created', async () => {
    await store.put(chunks('same'), { maxBytes: 100 });
    const again = await store.put(chunks('sa', 'me'), { maxBytes: 100 });
    expect(again.created).toBe(false);
    expect(readdirSync(path.join(dataDir, 'tmp'))).toEqual([]);
  });

  it('refuses bytes whose sha256 differs from the expected one and keeps nothing', async () => {
    await expect(
      store.put(chunks('abc'), { maxBytes: 100, expectedSha256: sha('abd') }),
    ).rejects.toMatchObject({
      code: 'INTEGRITY_MISMATCH',
    });
    expect(await store.stat(sha('abc'))).toBeNull();
    expect(readdirSync(path.join(dataDir, 'tmp'))).toEqual([]);
  });

  it('aborts a write beyond maxBytes with PAYLOAD_TOO_LARGE', async () => {
    await expect(store.put(chunks('12345', '67890'), { maxBytes: 8 })).rejects.toMatchObject({
      code: 'PAYLOAD_TOO_LARGE',
    });
    expect(readdirSync(path.join(dataDir, 'tmp'))).toEqual([]);
  });

  it('reports a missing blob as null on stat and BLOB_NOT_FOUND on read', async () => {
    expect(await store.stat(sha('nope'))).toBeNull();
    await expect(store.read(sha('nope'))).rejects.toMatchObject({ code: 'BLOB_NOT_FOUND' });
  });

  it('rejects a key that is not a sha256 instead of touching the filesystem', async () => {
    await expect(store.stat('../../etc/passwd')).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });

  it('removes temp files a crash left behind', async () => {
    mkdirSync(path.join(dataDir, 'tmp'), { recursive: true });
    writeFileSync(path.join(dataDir, 'tmp', 'left-over.part'), 'half');
    expect(await store.cleanTemp()).toBe(1);
    expect(readdirSync(path.join(dataDir, 'tmp'))).toEqual([]);
  });
});
