import type { Ort } from './ort-runtime.ts';

/**
 * The smallest useful ONNX model: one `Identity` node from float input `x` to output `y` (IR 8,
 * opset 13), 51 bytes of protobuf written out by hand. Checked in ort-warm-up.test.ts against
 * onnxruntime-node, which parses it with the same ONNX runtime core.
 */
export const IDENTITY_MODEL = new Uint8Array([
  8, 8, 58, 43, 10, 16, 10, 1, 120, 18, 1, 121, 34, 8, 73, 100, 101, 110, 116, 105, 116, 121, 18, 1, 103, 90,
  9, 10, 1, 120, 18, 4, 10, 2, 8, 1, 98, 9, 10, 1, 121, 18, 4, 10, 2, 8, 1, 66, 2, 16, 13,
]);

/**
 * Starts onnxruntime-web's WASM backend now (fetching and compiling its `.wasm`, starting its
 * threads) by creating and releasing a session of {@link IDENTITY_MODEL}: onnxruntime-web has no
 * public init call, and otherwise does this inside the first real `InferenceSession.create`, i.e.
 * after the bundle was verified. Never rejects: a backend that cannot start fails the real session
 * with its own error.
 */
export async function warmUpWasm(ort: Ort): Promise<void> {
  try {
    const session = await ort.InferenceSession.create(IDENTITY_MODEL, { executionProviders: ['wasm'] });
    await session.release();
  } catch {
    // Reported by the model's own session creation, which meets the same failure.
  }
}
