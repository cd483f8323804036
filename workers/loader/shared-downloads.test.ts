import { describe, expect, it } from 'vitest';
import { createSharedDownloads, type OnBytes } from './shared-downloads.ts';

/** A download the test finishes by hand, reporting bytes as it goes. */
function manualDownload() {
  let report: OnBytes = () => undefined;
  let finish: (bytes: Uint8Array) => void = () => undefined;
  let fail: (error: Error) => void = () => undefined;
  let starts = 0;
  const start = (onBytes: OnBytes) => {
    starts++;
    report = onBytes;
    return new Promise<Uint8Array>((resolve, reject) => {
      finish = resolve;
      fail = reject;
    });
  };
  return {
    start,
    starts: () => starts,
    report: (n: number) => report(n),
    finish: (bytes: Uint8Array) => finish(bytes),
    fail: (error: Error) => fail(error),
  };
}

describe('createSharedDownloads', () => {
  it('lets a second load join a download in flight, with progress fanned out to both', async () => {
    const downloads = createSharedDownloads();
    const d = manualDownload();
    const seenA: number[] = [];
    const seenB: number[] = [];
    const a = downloads.lease();
    const b = downloads.lease();
    const first = a.obtain('x:3', d.start, (n) => seenA.push(n));
    d.report(1);
    const second = b.obtain('x:3', d.start, (n) => seenB.push(n));
    d.report(2);
    d.finish(new Uint8Array([1, 2, 3]));
    expect(await first).toMatchObject({ joined: false });
    expect(await second).toMatchObject({ joined: true, bytes: new Uint8Array([1, 2, 3]) });
    expect(d.starts()).toBe(1);
    expect(seenA).toEqual([1, 2]);
    expect(seenB, 'the joiner hears what arrived before it joined').toEqual([1, 2]);
  });

  it('keeps a finished download joinable until the lease that started it is released', async () => {
    const downloads = createSharedDownloads();
    const d = manualDownload();
    const owner = downloads.lease();
    const done = owner.obtain('x:1', d.start);
    d.finish(new Uint8Array([7]));
    await done;
    const late = await downloads.lease().obtain('x:1', d.start);
    expect(late).toMatchObject({ joined: true, bytes: new Uint8Array([7]) });
    owner.release();
    owner.release();
    expect(downloads.size).toBe(0);
    const again = downloads.lease().obtain('x:1', d.start);
    expect(d.starts()).toBe(2);
    d.finish(new Uint8Array([7]));
    await again;
  });

  it('rejects every joiner of a failed download and forgets it at once, so a retry starts afresh', async () => {
    const downloads = createSharedDownloads();
    const d = manualDownload();
    const first = downloads.lease().obtain('x:1', d.start);
    const joined = downloads.lease().obtain('x:1', d.start);
    d.fail(new Error('connection reset'));
    await expect(first).rejects.toThrow('connection reset');
    await expect(joined).rejects.toThrow('connection reset');
    expect(downloads.size, 'forgotten although no lease was released').toBe(0);
    const retry = downloads.lease().obtain('x:1', d.start);
    expect(d.starts()).toBe(2);
    d.finish(new Uint8Array([1]));
    expect(await retry).toMatchObject({ joined: false });
  });

  it('forgets a download released while in flight once it settles, and still serves its joiners', async () => {
    const downloads = createSharedDownloads();
    const d = manualDownload();
    const owner = downloads.lease();
    const first = owner.obtain('x:1', d.start);
    const joined = downloads.lease().obtain('x:1', d.start);
    owner.release();
    expect(downloads.size).toBe(1);
    d.finish(new Uint8Array([5]));
    await Promise.all([first, joined]);
    expect(downloads.size).toBe(0);
  });
});
