import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { harness, pixelsInput } from './support/harness.ts';
import { startStack, type Stack } from './support/stack.ts';
import { startStaticServer, type StaticServer } from './support/static-server.ts';

const input = pixelsInput((i) => i % 16);

let plain: StaticServer;
let stack: Stack;
beforeAll(async () => {
  plain = await startStaticServer({ isolated: false });
  stack = await startStack({ alsoAllow: [plain.origin] });
  await stack.publish('models/digits');
});
afterAll(async () => {
  await stack?.close();
  await plain?.close();
});

describe('WASM threads follow cross-origin isolation', () => {
  it('runs multi-threaded WASM on a page served with COOP/COEP', async () => {
    expect(await stack.page.evaluate(() => crossOriginIsolated)).toBe(true);
    // Two threads asked for: the default (half the cores) is one on a 2-core machine.
    await stack.h.open('c', stack.clientOptions({ numThreads: 2 }));
    const load = await stack.h.load('c', 'digits');
    expect(load.info).toMatchObject({ backend: 'wasm', threads: 2 });
    expect(load.info?.threadsReason).toBeUndefined();
    expect((await stack.h.run('digits', input)).result?.scores).toHaveLength(10);
  });

  it('runs single-threaded WASM without COOP/COEP, saying why, and still works', async () => {
    const page = await stack.context.newPage();
    const h = harness(page);
    await h.goto(plain.url);
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(false);
    await h.open('c', stack.clientOptions());
    const load = await h.load('c', 'digits');
    expect(load.info).toMatchObject({
      backend: 'wasm',
      threads: 1,
      threadsReason: expect.stringContaining('COOP/COEP'),
    });
    expect((await h.run('digits', input)).result?.scores).toHaveLength(10);
    expect(await h.status('c')).toMatchObject({ crossOriginIsolated: false, runtime: { threads: 1 } });
    await page.close();
  });
});
