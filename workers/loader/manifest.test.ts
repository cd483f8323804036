import { generateKeyPairSync, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { toBase64 } from '$shared/encoding/bytes.ts';
import { canonicalBytes } from '$shared/signing/canonical-json.ts';
import { keyIdOf } from '$shared/signing/verify.ts';
import { fetchEnvelope, manifestUrl, refuseYanked, verifyForRequest } from './manifest.ts';

const { publicKey, privateKey } = generateKeyPairSync('ed25519');
const spki = publicKey.export({ format: 'der', type: 'spki' });
const raw = new Uint8Array(spki.subarray(spki.length - 32));
const key = { publicKey: toBase64(raw) };

async function envelope(overrides: Record<string, unknown> = {}) {
  const signed = {
    _type: 'ferry/manifest',
    schemaVersion: 1,
    name: 'digits',
    version: '1.1.0',
    task: 'image-classification',
    description: 'digits',
    license: 'MIT',
    source: { description: 'test' },
    signature: {
      inputs: [{ name: 'pixels', type: 'float32', shape: ['batch', 1, 8, 8] }],
      outputs: [{ name: 'logits', type: 'float32', shape: ['batch', 10] }],
    },
    files: [{ path: 'model.onnx', role: 'onnx', sha256: 'a'.repeat(64), size: 10 }],
    metadataVersion: 5,
    publishedAt: '2026-11-25T12:00:00.000Z',
    status: 'published',
    ...overrides,
  };
  const sig = toBase64(new Uint8Array(sign(null, canonicalBytes(signed), privateKey)));
  return { signed, signatures: [{ keyid: await keyIdOf(raw), sig }] };
}

describe('manifestUrl', () => {
  it('builds the manifest route for a version or a channel under any server prefix', () => {
    expect(manifestUrl('http://h:1/ferry', { name: 'digits', version: '1.0.0+b.1' })).toBe(
      'http://h:1/ferry/api/v1/models/digits/versions/1.0.0%2Bb.1/manifest',
    );
    expect(manifestUrl('http://h:1/', { name: 'digits' })).toBe(
      'http://h:1/api/v1/models/digits/versions/latest/manifest',
    );
  });
});

describe('verifyForRequest', () => {
  it('accepts the signed manifest of the model that was asked for', async () => {
    const manifest = await verifyForRequest(await envelope(), key, { request: { name: 'digits' } });
    expect(manifest.version).toBe('1.1.0');
  });

  it('refuses a validly signed manifest of another model or version', async () => {
    const env = await envelope();
    await expect(verifyForRequest(env, key, { request: { name: 'cancer' } })).rejects.toMatchObject({
      code: 'MANIFEST_INVALID',
    });
    await expect(
      verifyForRequest(env, key, { request: { name: 'digits', version: '1.0.0' } }),
    ).rejects.toMatchObject({ code: 'MANIFEST_INVALID', message: expect.stringContaining('digits@1.1.0') });
  });

  it('refuses metadata older than what this device already accepted for that version', async () => {
    const env = await envelope({ metadataVersion: 4 });
    await expect(
      verifyForRequest(env, key, { request: { name: 'digits' }, seenMetadata: { '1.1.0': 5 } }),
    ).rejects.toMatchObject({ code: 'METADATA_STALE' });
    await expect(
      verifyForRequest(env, key, { request: { name: 'digits' }, seenMetadata: { '1.0.0': 9 } }),
    ).resolves.toMatchObject({ metadataVersion: 4 });
  });

  it('verifies a yanked manifest (so it can be remembered) and refuseYanked refuses to run it', async () => {
    const yanked = await verifyForRequest(await envelope({ status: 'yanked' }), key, {
      request: { name: 'digits' },
    });
    expect(() => refuseYanked(yanked)).toThrow(
      expect.objectContaining({
        code: 'BUNDLE_NOT_FOUND',
        message: 'manifest: digits@1.1.0 was yanked by its publisher',
      }),
    );
    const deprecated = await verifyForRequest(await envelope({ status: 'deprecated' }), key, {
      request: { name: 'digits' },
    });
    expect(() => refuseYanked(deprecated)).not.toThrow();
  });

  it('refuses a tampered manifest as SIGNATURE_INVALID', async () => {
    const env = await envelope();
    env.signed.files[0]!.sha256 = 'b'.repeat(64);
    await expect(verifyForRequest(env, key, { request: { name: 'digits' } })).rejects.toMatchObject({
      code: 'SIGNATURE_INVALID',
    });
  });
});

describe('fetchEnvelope', () => {
  it("passes the server's 404 code through and names unreachable servers", async () => {
    const notFound = (async () =>
      Response.json(
        { error: { code: 'MODEL_NOT_FOUND', message: 'no model "x"' } },
        { status: 404 },
      )) as typeof fetch;
    await expect(fetchEnvelope(notFound, 'u')).rejects.toMatchObject({ code: 'MODEL_NOT_FOUND' });
    const down = (async () => {
      throw new TypeError('Failed to fetch');
    }) as typeof fetch;
    await expect(fetchEnvelope(down, 'http://x/m')).rejects.toMatchObject({ code: 'NETWORK_ERROR' });
  });

  it("reports other failures as NETWORK_ERROR with the server's message, or the status without one", async () => {
    const failing = (body: string, status: number) =>
      (async () => new Response(body, { status })) as typeof fetch;
    const internal = JSON.stringify({ error: { code: 'INTERNAL', message: 'Internal server error' } });
    await expect(fetchEnvelope(failing(internal, 500), 'u')).rejects.toMatchObject({
      code: 'NETWORK_ERROR',
      message: 'manifest: Internal server error',
      details: { status: 500, url: 'u' },
    });
    await expect(fetchEnvelope(failing('<html>bad gateway</html>', 502), 'u')).rejects.toMatchObject({
      code: 'NETWORK_ERROR',
      message: 'manifest: HTTP 502',
    });
    const unknownCode = JSON.stringify({ error: { code: 'TEAPOT', message: 'no such thing' } });
    await expect(fetchEnvelope(failing(unknownCode, 404), 'u')).rejects.toMatchObject({
      code: 'NETWORK_ERROR',
      message: 'manifest: no such thing',
    });
  });

  it('names CORS as the likely cause when a cross-origin server answers a no-cors request', async () => {
    const modes: (RequestMode | undefined)[] = [];
    const corsBlocked = (async (_url: RequestInfo | URL, init?: RequestInit) => {
      modes.push(init?.mode);
      if (init?.mode === 'no-cors') return new Response(null, { status: 200 });
      throw new TypeError('Failed to fetch');
    }) as typeof fetch;
    const url = 'http://ferry.test:3000/api/v1/models/digits/versions/latest/manifest';
    await expect(fetchEnvelope(corsBlocked, url, { origin: 'http://app.test' })).rejects.toMatchObject({
      code: 'NETWORK_ERROR',
      message: expect.stringMatching(
        /likely blocked by CORS; check that FERRY_ALLOWED_ORIGINS on the server includes http:\/\/app\.test$/,
      ),
    });
    expect(modes).toEqual([undefined, 'no-cors']);
  });

  it('says unreachable, without a CORS hint, when the no-cors request fails too or the URL is same-origin', async () => {
    const down = (async () => {
      throw new TypeError('Failed to fetch');
    }) as typeof fetch;
    const url = 'http://ferry.test/m';
    await expect(fetchEnvelope(down, url, { origin: 'http://app.test' })).rejects.toMatchObject({
      message: `manifest: ${url} unreachable`,
    });
    let calls = 0;
    const sameOrigin = (async () => {
      calls++;
      throw new TypeError('Failed to fetch');
    }) as typeof fetch;
    await expect(fetchEnvelope(sameOrigin, url, { origin: 'http://ferry.test' })).rejects.toMatchObject({
      message: `manifest: ${url} unreachable`,
    });
    expect(calls, 'no probe for a same-origin URL').toBe(1);
  });
});
