import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addFile } from '../support/bundles.ts';
import { pixelsInput } from './support/harness.ts';
import { startStack, type Stack } from './support/stack.ts';

const digitsInput = pixelsInput((i) => i % 17);
const big = randomBytes(6 * 1024 * 1024);
const bigSha = createHash('sha256').update(big).digest('hex');

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
  await stack.publish('models/digits');
  await stack.publishVariant('test/fixtures/runtime/tiny-cnn', (m, dir) => {
    m.name = 'tiny-big';
    addFile(m, dir, { path: 'weights.bin', bytes: big, role: 'other' });
  });
});
afterAll(() => stack?.close());

describe('loading through the IndexedDB cache', () => {
  it('downloads each blob exactly once on a cold load, with progress reaching 100%', async () => {
    await stack.h.open('c', stack.clientOptions({ persist: true }));
    const load = await stack.h.load('c', 'digits');
    expect(load.error).toBeUndefined();
    expect(typeof (await stack.h.status('c')).persisted, 'navigator.storage.persist() answered').toBe(
      'boolean',
    );
    expect(load.info).toMatchObject({
      version: '1.1.0',
      fromCache: false,
      offline: false,
      cache: { persisted: true },
    });
    const blobs = stack.proxy.blobRequests().map((r) => r.path);
    expect(blobs).toHaveLength(2); // model.onnx and samples.json
    expect(new Set(blobs).size).toBe(2);
    const overall = load.progress.map((p) => p.loaded);
    expect(overall).toEqual([...overall].sort((a, b) => a - b));
    expect(load.progress.at(-1)).toMatchObject({ fraction: 1 });
    expect(load.progress.at(-1)?.loaded).toBe(load.progress.at(-1)?.total);
    for (const file of new Set(load.progress.map((p) => p.file))) {
      const last = load.progress.filter((p) => p.file === file).at(-1);
      expect(last?.fileLoaded).toBe(last?.fileTotal);
    }
    expect((await stack.h.run('digits', digitsInput)).ok).toBe(true);
  });

  it('loads the same model after a page reload (same profile) with zero blob requests', async () => {
    const before = stack.proxy.blobRequests().length;
    await stack.h.reload();
    await stack.h.open('c', stack.clientOptions());
    const load = await stack.h.load('c', 'digits');
    expect(load.info).toMatchObject({ fromCache: true, bytesDownloaded: 0, offline: false });
    expect(stack.proxy.blobRequests().length).toBe(before);
    expect(load.progress.at(-1)).toMatchObject({ fraction: 1, fromCache: true });
    expect((await stack.h.run('digits', digitsInput)).ok).toBe(true);
  });

  it('resumes an interrupted blob download with a Range request instead of starting over', async () => {
    const cut = 2_500_000;
    stack.proxy.cutNext(bigSha, cut);
    const load = await stack.h.load('c', 'tiny-big', { key: 'big' });
    expect(load.error).toBeUndefined();
    const requests = stack.proxy.blobRequests().filter((r) => r.path.endsWith(bigSha));
    expect(requests).toHaveLength(2);
    const [first, second] = requests;
    expect(first).toMatchObject({ range: null, bytes: cut });
    const resumedAt = Number(/^bytes=(\d+)-$/.exec(second?.range ?? '')?.[1]);
    expect(resumedAt).toBeGreaterThan(0);
    expect(resumedAt).toBeLessThanOrEqual(cut);
    expect(second).toMatchObject({ status: 206, bytes: big.length - resumedAt });
    expect((await stack.h.cached()).blobs).toContain(bigSha);
  });

  it('refuses to run a disposed model with MODEL_DISPOSED', async () => {
    await stack.h.dispose('big');
    const run = await stack.h.run('big', digitsInput);
    expect(run.error).toMatchObject({ name: 'FerryError', code: 'MODEL_DISPOSED' });
    expect((await stack.h.run('digits', digitsInput)).ok, 'other models keep running').toBe(true);
  });

  it('disposes every model when the client terminates', async () => {
    await stack.h.terminate('c');
    expect(await stack.h.status('c')).toMatchObject({ worker: 'terminated' });
    expect((await stack.h.run('digits', digitsInput)).error).toMatchObject({ code: 'MODEL_DISPOSED' });
  });

  it('loads and runs a cached model with the Ferry server stopped', async () => {
    await stack.proxy.close();
    await stack.server.stop();
    await stack.h.reload();
    await stack.h.open('c', stack.clientOptions());
    const load = await stack.h.load('c', 'digits');
    expect(load.error).toBeUndefined();
    // A warm start (unexpired control document, bundle cached) asks nothing, so it cannot know the
    // server is down: `offline` says so only when a load asked and got no answer, as without control.
    expect(load.info).toMatchObject({ version: '1.1.0', offline: false, fromCache: true });
    const run = await stack.h.run('digits', digitsInput);
    expect(run.result?.scores).toHaveLength(10);
    await stack.h.open('asking', stack.clientOptions({ control: false }));
    const asked = await stack.h.load('asking', 'digits', { key: 'asked' });
    expect(asked.info).toMatchObject({ version: '1.1.0', offline: true, fromCache: true });
    const missing = await stack.h.load('c', 'breast-cancer');
    expect(missing.error).toMatchObject({ code: 'NETWORK_ERROR' });
  });
});
