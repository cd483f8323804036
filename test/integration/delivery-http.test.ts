import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tinyDir } from '../../server/testing/tiny-bundle.ts';
import { addFile, bundleVariant, removeTempDir } from '../support/bundles.ts';
import { publishOverHttp } from '../support/registry-http.ts';
import { useFerryServer } from '../support/use-ferry-server.ts';

const sample = randomBytes(3 * 1024 * 1024 + 17);
const sampleSha = createHash('sha256').update(sample).digest('hex');
const allowed = 'https://app.example';

const server = useFerryServer({ env: { FERRY_ALLOWED_ORIGINS: `${allowed},https://other.example` } });
let blobUrl: string;
let manifestUrl: string;
let dir: string | undefined;
beforeAll(async () => {
  dir = bundleVariant(tinyDir, (m, folder) => {
    addFile(m, folder, { path: 'sample.bin', bytes: sample, role: 'sample' });
  });
  expect((await publishOverHttp(server().url, server().adminToken, dir)).status).toBe(200);
  blobUrl = `${server().url}/api/v1/blobs/${sampleSha}`;
  manifestUrl = `${server().url}/api/v1/models/tiny/versions/1.0.0/manifest`;
});
afterAll(() => dir && removeTempDir(dir));

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe('blob delivery', () => {
  it('serves blobs with a strong ETag, immutable caching and byte ranges advertised', async () => {
    const response = await fetch(blobUrl);
    expect(response.status).toBe(200);
    expect(Object.fromEntries(response.headers)).toMatchObject({
      'content-type': 'application/octet-stream',
      etag: `"${sampleSha}"`,
      'cache-control': 'public, max-age=31536000, immutable',
      'accept-ranges': 'bytes',
      'content-length': String(sample.length),
    });
    expect(sha256(new Uint8Array(await response.arrayBuffer()))).toBe(sampleSha);
  });

  it('yields the same sha256 when a download is resumed from the middle with a Range request', async () => {
    const cut = 1_234_567;
    const head = new Uint8Array(
      await (await fetch(blobUrl, { headers: { Range: `bytes=0-${cut - 1}` } })).arrayBuffer(),
    );
    expect(head.length).toBe(cut);
    const rest = await fetch(blobUrl, { headers: { Range: `bytes=${cut}-`, 'If-Range': `"${sampleSha}"` } });
    expect(rest.status).toBe(206);
    expect(rest.headers.get('content-range')).toBe(`bytes ${cut}-${sample.length - 1}/${sample.length}`);
    const tail = new Uint8Array(await rest.arrayBuffer());
    const whole = new Uint8Array(head.length + tail.length);
    whole.set(head);
    whole.set(tail, head.length);
    expect(sha256(whole)).toBe(sampleSha);
  });

  it('answers 416 with the size for a range past the end, and HEAD with headers only', async () => {
    const past = await fetch(blobUrl, { headers: { Range: `bytes=${sample.length}-` } });
    expect(past.status).toBe(416);
    expect(past.headers.get('content-range')).toBe(`bytes */${sample.length}`);
    const head = await fetch(blobUrl, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(sample.length));
    expect((await head.arrayBuffer()).byteLength).toBe(0);
  });

  it('answers 304 to If-None-Match for blobs and manifests', async () => {
    const blob = await fetch(blobUrl, { headers: { 'If-None-Match': `"${sampleSha}"` } });
    expect(blob.status).toBe(304);
    const manifest = await fetch(manifestUrl);
    const etag = manifest.headers.get('etag') ?? '';
    expect(etag).toBe(`"${sha256(new Uint8Array(await manifest.arrayBuffer()))}"`);
    expect(manifest.headers.get('cache-control')).toBe('no-cache');
    expect((await fetch(manifestUrl, { headers: { 'If-None-Match': etag } })).status).toBe(304);
    expect((await fetch(manifestUrl, { headers: { 'If-None-Match': '"stale"' } })).status).toBe(200);
  });

  it('answers 404 with a JSON error for unknown models, versions and blobs', async () => {
    const model = await fetch(`${server().url}/api/v1/models/nope/versions/1.0.0/manifest`);
    expect(model.status).toBe(404);
    expect(((await model.json()) as { error: { code: string } }).error.code).toBe('MODEL_NOT_FOUND');
    const version = await fetch(`${server().url}/api/v1/models/tiny/versions/9.0.0/manifest`);
    expect(((await version.json()) as { error: { code: string } }).error.code).toBe('BUNDLE_NOT_FOUND');
    expect((await fetch(`${server().url}/api/v1/blobs/${'e'.repeat(64)}`)).status).toBe(404);
  });
});

describe('cross-origin isolation and CORS', () => {
  it('puts COOP and COEP on every response, CORP cross-origin only on public reads', async () => {
    for (const [url, corp] of [
      [`${server().url}/`, 'same-origin'],
      [`${server().url}/favicon.svg`, 'same-origin'],
      [`${server().url}/api/trpc/models.list`, 'same-origin'],
      [`${server().url}/.well-known/ferry.json`, 'cross-origin'],
      [`${server().url}/api/v1/models`, 'cross-origin'],
      [manifestUrl, 'cross-origin'],
      [blobUrl, 'cross-origin'],
    ] as const) {
      const response = await fetch(url);
      expect(response.headers.get('cross-origin-opener-policy'), url).toBe('same-origin');
      expect(response.headers.get('cross-origin-embedder-policy'), url).toBe('require-corp');
      expect(response.headers.get('cross-origin-resource-policy'), url).toBe(corp);
      await response.arrayBuffer();
    }
  });

  it('allows listed origins on public reads and gives others no Access-Control-Allow-Origin', async () => {
    const listed = await fetch(blobUrl, { method: 'HEAD', headers: { Origin: allowed } });
    expect(listed.headers.get('access-control-allow-origin')).toBe(allowed);
    expect(listed.headers.get('access-control-expose-headers')).toContain('Content-Range');
    expect(listed.headers.get('vary')).toContain('Origin');
    const stranger = await fetch(blobUrl, { method: 'HEAD', headers: { Origin: 'https://evil.example' } });
    expect(stranger.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('answers a CORS preflight that asks for Range and If-None-Match', async () => {
    const response = await fetch(blobUrl, {
      method: 'OPTIONS',
      headers: {
        Origin: allowed,
        'Access-Control-Request-Method': 'GET',
        'Access-Control-Request-Headers': 'range, if-none-match',
      },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe(allowed);
    expect(response.headers.get('access-control-allow-headers')).toMatch(/Range.*If-None-Match/);
  });
});
