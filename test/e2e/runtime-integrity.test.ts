import { randomBytes } from 'node:crypto';
import { renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blobPath } from '../../server/storage/fs-blob-store.ts';
import { startFerryServer, type FerryServer } from '../support/ferry-server.ts';
import { callTrpc, publishOverHttp } from '../support/registry-http.ts';
import { addFile } from '../support/bundles.ts';
import { pixelsInput } from './support/harness.ts';
import { root, startStack, type Stack } from './support/stack.ts';

const input = pixelsInput((i) => i % 9);
const calibration = randomBytes(4096);

let stack: Stack;
let calibrationSha: string;
beforeAll(async () => {
  stack = await startStack();
  await stack.publish('test/fixtures/runtime/tiny-cnn');
  // No rollout control: a client following `latest` would switch to 1.1.0 by itself as soon as it
  // is published, and could fetch the genuine blob before the fixture below alters it.
  await stack.h.open('c', stack.clientOptions({ control: false }));
  expect((await stack.h.load('c', 'tiny-cnn')).info?.version).toBe('1.0.0');
  await stack.publishVariant('test/fixtures/runtime/tiny-cnn', (m, dir) => {
    m.version = '1.1.0';
    addFile(m, dir, { path: 'calibration.bin', bytes: calibration, role: 'other' });
  });
  const manifest = (await (
    await fetch(`${stack.server.url}/api/v1/models/tiny-cnn/versions/1.1.0/manifest`)
  ).json()) as {
    signed: { files: { path: string; sha256: string }[] };
  };
  calibrationSha = manifest.signed.files.find((f) => f.path === 'calibration.bin')?.sha256 ?? '';
  // The fixture: the stored blob is altered on the server's disk (same length, one byte differs),
  // replaced whole by a rename as the blob store writes, so that no read sees a half-written file.
  const altered = Buffer.from(calibration);
  altered[100] = (altered[100] ?? 0) ^ 0xff;
  const stored = blobPath(stack.server.dataDir, calibrationSha);
  writeFileSync(`${stored}.altered`, altered);
  renameSync(`${stored}.altered`, stored);
});
afterAll(() => stack?.close());

describe('a blob altered on the server', () => {
  it('fails an exact-version load with INTEGRITY_MISMATCH naming the file', async () => {
    const load = await stack.h.load('c', 'tiny-cnn', { key: 'pinned', version: '1.1.0' });
    expect(load.error).toMatchObject({
      name: 'FerryError',
      code: 'INTEGRITY_MISMATCH',
      message: expect.stringContaining('calibration.bin'),
      details: { path: 'calibration.bin', expected: calibrationSha },
    });
    expect(load.errors.map((e) => e.code)).toEqual(['INTEGRITY_MISMATCH']);
  });

  it('caches nothing of the altered version and keeps running the previous one', async () => {
    const load = await stack.h.load('c', 'tiny-cnn', { key: 'latest' });
    expect(load.info).toMatchObject({
      version: '1.0.0',
      fallbackFrom: {
        requested: 'latest',
        code: 'INTEGRITY_MISMATCH',
        message: expect.stringContaining('calibration.bin'),
      },
    });
    expect(load.errors).toEqual([expect.objectContaining({ code: 'INTEGRITY_MISMATCH' })]);
    const cached = await stack.h.cached();
    expect(cached.blobs).not.toContain(calibrationSha);
    expect(cached.models['tiny-cnn']).toEqual(['1.0.0']);
    expect((await stack.h.run('latest', input)).result?.scores).toHaveLength(10);
    expect((await stack.h.run('tiny-cnn', input)).ok).toBe(true);
  });
});

describe('a manifest with a broken signature', () => {
  it('is refused with SIGNATURE_INVALID when tampered with in transit', async () => {
    await stack.publish('models/breast-cancer');
    let swapped = false;
    stack.proxy.tamperNext('/models/breast-cancer/versions/latest/manifest', (body) => {
      const tampered = body.replace('"labels":["malignant","benign"]', '"labels":["benign","malignant"]');
      swapped = tampered !== body;
      return tampered;
    });
    const load = await stack.h.load('c', 'breast-cancer');
    expect(swapped, 'the proxy swapped the labels').toBe(true);
    expect(load.error).toMatchObject({ code: 'SIGNATURE_INVALID' });
    expect(stack.proxy.blobRequests().some((r) => r.path.includes('breast'))).toBe(false);
  });

  it('is refused with SIGNATURE_INVALID when served by a server holding another key', async () => {
    let impostor: FerryServer | undefined;
    try {
      impostor = await startFerryServer({ env: { FERRY_ALLOWED_ORIGINS: stack.site.origin } });
      const reply = await publishOverHttp(
        impostor.url,
        impostor.adminToken,
        path.join(root, 'models/digits'),
      );
      expect(reply.status).toBe(200);
      await stack.h.open('impostor', { serverUrl: impostor.url, publicKey: stack.server.publicKey });
      const load = await stack.h.load('impostor', 'digits');
      expect(load.error).toMatchObject({ code: 'SIGNATURE_INVALID' });
    } finally {
      await impostor?.stop();
    }
  });
});

describe('replayed metadata', () => {
  it('is refused with METADATA_STALE once newer metadata for that version was seen', async () => {
    const old = await (
      await fetch(`${stack.server.url}/api/v1/models/tiny-cnn/versions/1.0.0/manifest`)
    ).text();
    const reply = await callTrpc(stack.server.url, 'versions.setStatus', {
      input: { name: 'tiny-cnn', version: '1.0.0', status: 'deprecated' },
      token: stack.server.adminToken,
    });
    expect(reply.status).toBe(200);
    // Without control every load asks for the manifest (a warm start under control asks nothing).
    await stack.h.open('asking', stack.clientOptions({ control: false }));
    const fresh = await stack.h.load('asking', 'tiny-cnn', { key: 'fresh', version: '1.0.0' });
    expect(fresh.info?.version).toBe('1.0.0');
    stack.proxy.tamperNext('/models/tiny-cnn/versions/1.0.0/manifest', () => old);
    const replayed = await stack.h.load('asking', 'tiny-cnn', { key: 'replayed', version: '1.0.0' });
    expect(replayed.error).toMatchObject({ code: 'METADATA_STALE' });
  });
});
