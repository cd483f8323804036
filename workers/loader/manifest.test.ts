import { generateKeyPairSync, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { toBase64 } from '$shared/encoding/bytes.ts';
import { canonicalBytes } from '$shared/signing/canonical-json.ts';
import { keyIdOf } from '$shared/signing/verify.ts';
import { fetchEnvelope, manifestUrl, verifyForRequest } from './manifest.ts';

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

  it('refuses a yanked version', async () => {
    await expect(
      verifyForRequest(await envelope({ status: 'yanked' }), key, { request: { name: 'digits' } }),
    ).rejects.toMatchObject({ code: 'BUNDLE_NOT_FOUND' });
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
});
