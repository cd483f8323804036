import { expose, wrap } from 'comlink';
import { MessageChannel } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode, FerryError, isFerryError } from '$shared/errors.ts';
import { registerFerryErrorTransfer } from './errors-transfer.ts';

const api = {
  async failWithCode(): Promise<void> {
    throw new FerryError(ErrorCode.INTEGRITY_MISMATCH, 'model.onnx: sha256 differs', {
      details: { path: 'model.onnx', expected: 'abc' },
    });
  },
  async failPlainly(): Promise<void> {
    throw new RangeError('out of range');
  },
};

const channels: MessageChannel[] = [];
afterEach(() => channels.splice(0).forEach((c) => (c.port1.close(), c.port2.close())));

function connect() {
  const channel = new MessageChannel();
  channels.push(channel);
  expose(api, channel.port1 as unknown as Parameters<typeof expose>[1]);
  return wrap<typeof api>(channel.port2 as unknown as Parameters<typeof wrap>[0]);
}

describe('registerFerryErrorTransfer', () => {
  it('rebuilds a FerryError with its code and details on the other side of comlink', async () => {
    registerFerryErrorTransfer();
    const error = await connect()
      .failWithCode()
      .catch((e: unknown) => e);
    expect(isFerryError(error)).toBe(true);
    expect(error).toBeInstanceOf(FerryError);
    expect(error).toMatchObject({
      name: 'FerryError',
      code: 'INTEGRITY_MISMATCH',
      message: 'model.onnx: sha256 differs',
      details: { path: 'model.onnx', expected: 'abc' },
    });
  });

  it('leaves other errors as comlink carries them (name and message)', async () => {
    registerFerryErrorTransfer();
    await expect(connect().failPlainly()).rejects.toMatchObject({
      name: 'RangeError',
      message: 'out of range',
    });
  });
});
