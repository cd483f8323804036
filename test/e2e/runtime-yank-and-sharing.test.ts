import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callTrpc } from '../support/registry-http.ts';
import { pixelsInput } from './support/harness.ts';
import { startStack, type Stack } from './support/stack.ts';

const input = pixelsInput((i) => i % 7);

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
  await stack.publish('models/digits');
  await stack.publish('test/fixtures/runtime/tiny-cnn');
});
afterAll(() => stack?.close());

describe('concurrent loads of one model on a fresh profile', () => {
  it('share one request per blob, counted at the server, and each handle gets its progress', async () => {
    await stack.h.open('c', stack.clientOptions());
    const keys = ['one', 'two', 'three'];
    const loads = await Promise.all(keys.map((key) => stack.h.load('c', 'digits', { key })));
    expect(new Set(loads.map((load) => load.info?.version)).size).toBe(1);
    for (const load of loads) {
      expect(load.error).toBeUndefined();
      expect(load.progress.at(-1)).toMatchObject({ fraction: 1 });
    }
    const blobs = stack.proxy.blobRequests().map((r) => r.path);
    expect(blobs).toHaveLength(2); // model.onnx and samples.json, once each for three handles
    expect(new Set(blobs).size).toBe(2);
    for (const key of keys) expect((await stack.h.run(key, input)).result?.scores).toHaveLength(10);
  });
});

describe('a version its publisher yanked', () => {
  it('is refused once the yank is seen, pinned or through `latest`, with the reason', async () => {
    expect((await stack.h.load('c', 'tiny-cnn', { key: 'latest' })).info?.version).toBe('1.0.0');
    const pinned = { key: 'pinned', version: '1.0.0' };
    expect((await stack.h.load('c', 'tiny-cnn', pinned)).info?.version).toBe('1.0.0');
    const reply = await callTrpc(stack.server.url, 'versions.setStatus', {
      input: { name: 'tiny-cnn', version: '1.0.0', status: 'yanked' },
      token: stack.server.adminToken,
    });
    expect(reply.status).toBe(200);
    // Loads that ask (no control): a warm start would serve its cache until the news arrive.
    await stack.h.open('asking', stack.clientOptions({ control: false }));
    expect((await stack.h.load('asking', 'tiny-cnn', pinned)).error).toMatchObject({
      code: 'BUNDLE_NOT_FOUND',
      message: 'manifest: tiny-cnn@1.0.0 was yanked by its publisher',
    });
    expect((await stack.h.load('asking', 'tiny-cnn', { key: 'latest' })).error).toMatchObject({
      code: 'BUNDLE_NOT_FOUND',
      message: 'manifest: model "tiny-cnn" has no version "latest": every version is yanked',
    });
  });

  it('stays refused after a reload with the Ferry server unreachable, while other models run offline', async () => {
    await stack.proxy.close();
    await stack.h.reload();
    await stack.h.open('c', stack.clientOptions());
    const digits = await stack.h.load('c', 'digits');
    // A warm start asks nothing, so it cannot tell the server is down (offline: false).
    expect(digits.info, JSON.stringify(digits.error)).toMatchObject({ version: '1.1.0', fromCache: true });
    for (const selector of [{ version: '1.0.0' }, {}]) {
      const load = await stack.h.load('c', 'tiny-cnn', selector);
      expect(load.error, JSON.stringify(selector)).toMatchObject({
        code: 'BUNDLE_NOT_FOUND',
        message: 'manifest: tiny-cnn@1.0.0 was yanked by its publisher',
      });
    }
  });
});
