import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { headUpload, putUpload } from '../support/registry-http.ts';
import { useFerryServer } from '../support/use-ferry-server.ts';

const server = useFerryServer({ env: { FERRY_MAX_FILE_BYTES: '4096' } });

/** PUTs `bytes` as the admin under the digest `sha256` claims for them. */
const put = (bytes: Uint8Array, sha256: string) =>
  putUpload(server().url, bytes, { token: server().adminToken, sha256 });

describe('the upload route', () => {
  it('answers 201 for new bytes, then 200 for the same bytes, and HEAD finds them', async () => {
    const bytes = randomBytes(1000);
    const first = await putUpload(server().url, bytes, { token: server().adminToken });
    expect(first.status).toBe(201);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    expect(await first.json()).toEqual({ sha256, size: 1000 });
    expect((await putUpload(server().url, bytes, { token: server().adminToken })).status).toBe(200);
    const head = await headUpload(server().url, sha256, server().adminToken);
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe('1000');
  });

  it('answers 400 INTEGRITY_MISMATCH naming both digests when the body does not hash to the URL', async () => {
    const claimed = 'a'.repeat(64);
    const response = await put(new TextEncoder().encode('not what was claimed'), claimed);
    expect(response.status).toBe(400);
    const { error } = (await response.json()) as { error: { code: string; message: string } };
    expect(error.code).toBe('INTEGRITY_MISMATCH');
    expect(error.message).toContain(claimed);
  });

  it('answers 413 beyond FERRY_MAX_FILE_BYTES and stores nothing', async () => {
    const bytes = randomBytes(5000);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const response = await put(bytes, sha256);
    expect(response.status).toBe(413);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('PAYLOAD_TOO_LARGE');
    const head = await headUpload(server().url, sha256, server().adminToken);
    expect(head.status).toBe(404);
  });

  it('answers 400 naming the path parameter when it is not a sha256', async () => {
    const response = await put(new Uint8Array([1, 2, 3]), 'not-a-digest');
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { message: string } }).error.message).toMatch(/^sha256: /);
  });
});
