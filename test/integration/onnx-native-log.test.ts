import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeOnnxModel } from '../../server/services/onnx-graph.ts';
import { batchFirstRnnModel } from '../../server/testing/onnx-fixtures.ts';
import { bundleVariant, removeTempDir } from '../support/bundles.ts';
import { publishOverHttp } from '../support/registry-http.ts';
import { startFerryServer } from '../support/ferry-server.ts';
import { useFerryServer } from '../support/use-ferry-server.ts';

const FLOAT = 1;
const vector = (name: string) => ({
  name,
  type: { tensorType: { elemType: FLOAT, shape: { dim: [{ dimValue: 4 }] } } },
});

/** `y = Relu(x)` stamped with opset 6: onnxruntime loads it and warns natively that it is below 7. */
function opset6Model(): Uint8Array {
  return encodeOnnxModel({
    irVersion: 3,
    producerName: 'ferry test fixture',
    opsetImport: [{ domain: '', version: 6 }],
    graph: {
      name: 'relu',
      node: [{ opType: 'Relu', input: ['x'], output: ['y'] }],
      input: [vector('x')],
      output: [vector('y')],
    },
  });
}

const made: string[] = [];
afterAll(() => made.forEach(removeTempDir));

/** A one-file custom bundle named `name` holding `model`, with `signature`. */
function bundle(name: string, model: Uint8Array, signature: unknown): string {
  const dir = bundleVariant('test/fixtures/bundles/silero-vad', (m, at) => {
    m.name = name;
    m.signature = signature;
    writeFileSync(path.join(at, 'model.onnx'), model);
  });
  made.push(dir);
  return dir;
}

const reluSignature = {
  inputs: [{ name: 'x', type: 'float32', shape: [4] }],
  outputs: [{ name: 'y', type: 'float32', shape: [4] }],
};
const rnnSignature = {
  inputs: [{ name: 'x', type: 'float32', shape: [1, 4, 3] }],
  outputs: [{ name: 'y', type: 'float32', shape: [1, 4, 1, 2] }],
};
const ANSI = '\u001b[';

describe("onnxruntime's native log (issue 10, point 8)", () => {
  const server = useFerryServer({ env: { FERRY_MODELS_DIR: '' } });

  it('an opset-6 model and a refused upload leave no ANSI escape in the server output; the old opset is a plain warning line', async () => {
    const { url, adminToken } = server();
    const old = await publishOverHttp(url, adminToken, bundle('old-opset', opset6Model(), reluSignature));
    expect(old.status, JSON.stringify(old.body)).toBe(200);
    const refused = await publishOverHttp(url, adminToken, bundle('rnn', batchFirstRnnModel(), rnnSignature));
    expect(refused.body.error?.data.ferryCode).toBe('ONNX_INVALID');
    const output = server().output();
    expect(output).not.toContain(ANSI);
    expect(output).not.toMatch(/onnxruntime_src|\[W:onnxruntime|\[E:onnxruntime/);
    expect(output).toContain(
      'ferry: warning: model.onnx: opset 6 of ai.onnx; onnxruntime only guarantees opset 7 and later',
    );
  });

  it('FERRY_ORT_LOG_LEVEL=warning lets the native lines through, for debugging', async () => {
    const loud = await startFerryServer({ env: { FERRY_MODELS_DIR: '', FERRY_ORT_LOG_LEVEL: 'warning' } });
    try {
      const old = await publishOverHttp(
        loud.url,
        loud.adminToken,
        bundle('old-opset', opset6Model(), reluSignature),
      );
      expect(old.status).toBe(200);
      expect(loud.output()).toMatch(/\[W:onnxruntime.*opset version 7/);
    } finally {
      await loud.stop();
    }
  });

  it('refuses an unknown FERRY_ORT_LOG_LEVEL at start, naming the variable', async () => {
    await expect(
      startFerryServer({ env: { FERRY_MODELS_DIR: '', FERRY_ORT_LOG_LEVEL: 'loud' }, timeoutMs: 30_000 }),
    ).rejects.toThrow(/FERRY_ORT_LOG_LEVEL/);
  });
});
