import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { ControlDocument, verifyEnvelope } from '$shared';
import { tinyDir } from '../../server/testing/tiny-bundle.ts';
import { bundleVariant, removeTempDir } from '../support/bundles.ts';
import { publishOverHttp } from '../support/registry-http.ts';
import { useFerryServer } from '../support/use-ferry-server.ts';

const server = useFerryServer({ env: { FERRY_ALLOWED_ORIGINS: 'https://app.example' } });
const get = (path: string, init?: RequestInit) => fetch(`${server().url}${path}`, init);
const verify = (envelope: unknown) =>
  verifyEnvelope(envelope, ControlDocument, { publicKey: server().publicKey });

beforeAll(async () => {
  for (const version of ['1.0.0', '1.1.0']) {
    const dir = bundleVariant(tinyDir, (m) => void (m.version = version));
    try {
      const reply = await publishOverHttp(server().url, server().adminToken, dir);
      expect(reply.status).toBe(200);
    } finally {
      removeTempDir(dir);
    }
  }
});

describe('GET /api/v1/models/{name}/control', () => {
  it('serves a signed ferry/control document whose stable version follows latest', async () => {
    const response = await get('/api/v1/models/tiny/control');
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-cache');
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const body = await response.text();
    expect(response.headers.get('etag')).toBe(`"${createHash('sha256').update(body).digest('hex')}"`);
    const document = await verify(JSON.parse(body));
    expect(document).toMatchObject({
      _type: 'ferry/control',
      model: 'tiny',
      stable: '1.1.0',
      rollout: null,
      blocked: [],
      lastChange: { action: 'published', version: '1.1.0' },
    });
    expect(Date.parse(document.expires) - Date.parse(document.issuedAt)).toBe(7 * 24 * 3600_000);
  });

  it('answers 304 to a matching If-None-Match, and HEAD without a body', async () => {
    const first = await get('/api/v1/models/tiny/control');
    const etag = first.headers.get('etag') ?? '';
    await first.arrayBuffer();
    const again = await get('/api/v1/models/tiny/control', { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
    expect(again.headers.get('etag')).toBe(etag);
    const head = await get('/api/v1/models/tiny/control', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('etag')).toBe(etag);
    expect(await head.text()).toBe('');
  });

  it('answers 404 MODEL_NOT_FOUND for an unknown model', async () => {
    const response = await get('/api/v1/models/nope/control');
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: { code: 'MODEL_NOT_FOUND' } });
  });

  it('carries CORS for allowed origins, as manifests do', async () => {
    const response = await get('/api/v1/models/tiny/control', { headers: { origin: 'https://app.example' } });
    expect(response.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(response.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
  });

  it('refuses other methods with 405 and an Allow header', async () => {
    const response = await get('/api/v1/models/tiny/control', { method: 'DELETE' });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET, HEAD');
  });
});

describe('GET /api/v1/control?models=', () => {
  it('answers the stored envelopes in the order asked and names the missing models', async () => {
    const single = await (await get('/api/v1/models/tiny/control')).text();
    const response = await get('/api/v1/control?models=nope,tiny,tiny');
    expect(response.status).toBe(200);
    const body = await response.text();
    expect(body).toBe(`{"documents":[${single}],"missing":["nope"]}`);
    expect(response.headers.get('etag')).toBe(`"${createHash('sha256').update(body).digest('hex')}"`);
    const again = await get('/api/v1/control?models=nope,tiny', {
      headers: { 'if-none-match': response.headers.get('etag') ?? '' },
    });
    expect(again.status).toBe(304);
  });

  it('carries CORS for allowed origins', async () => {
    const response = await get('/api/v1/control?models=tiny', { headers: { origin: 'https://app.example' } });
    expect(response.headers.get('access-control-allow-origin')).toBe('https://app.example');
    const preflight = await get('/api/v1/control?models=tiny', {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example', 'access-control-request-method': 'GET' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-methods')).toBe('GET, HEAD, OPTIONS');
  });

  it.each([
    ['', 'models: the query parameter is required'],
    ['?models=', 'models: names no model'],
    ['?models=Bad%20Name', 'models: "Bad Name" is not a model name'],
    [`?models=${Array.from({ length: 51 }, (_, i) => `m${i}`).join(',')}`, 'models: 51 names, at most 50'],
  ])('answers 400 naming models for %s', async (query, message) => {
    const response = await get(`/api/v1/control${query}`);
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('INVALID_INPUT');
    expect(body.error.message).toContain(message);
  });
});
