import { ErrorCode, FerryError, type BundleManifest } from '$shared';

const SIDES = {
  NCHW: { channels: 1, height: 2, width: 3 },
  NHWC: { channels: 3, height: 1, width: 2 },
} as const;

/**
 * Refuses image preprocessing that cannot make a tensor its input takes, so that the mistake is
 * a 400 at publish rather than an `INVALID_INPUT` on every device: `preprocessing.input` must be
 * a declared input, and where that input is 4-D, a dimension it fixes must equal `channels`,
 * `height` or `width`, and cannot be a `dynamic` side. Throws `MANIFEST_INVALID` naming the field.
 */
export function checkImageInput(manifest: BundleManifest, prefix: string): void {
  const pre = manifest.preprocessing;
  if (pre.kind !== 'image') return;
  const inputs = manifest.signature.inputs;
  const index = inputs.findIndex((input) => input.name === pre.input);
  const input = inputs[index];
  if (!input) {
    const names = inputs.map((i) => i.name).join(', ') || 'none';
    throw invalid(
      `${prefix}preprocessing.input: ${pre.input} is not an input of the signature (inputs: ${names})`,
    );
  }
  // Other ranks are left to the graph check and the runtime, which name the input.
  if (input.shape.length !== 4) return;
  for (const [side, at] of Object.entries(SIDES[pre.layout]) as [keyof (typeof SIDES)['NCHW'], number][]) {
    const dim = input.shape[at];
    if (typeof dim !== 'number') continue;
    const where = `signature.inputs.${index}.shape.${at}`;
    if (side !== 'channels' && pre.dynamic?.[side]) {
      throw invalid(
        `${prefix}preprocessing.dynamic.${side}: input ${input.name} fixes its ${side} at ${dim} (${where}); a dynamic ${side} needs a symbolic dimension there`,
      );
    }
    if (pre[side] !== dim) {
      throw invalid(
        `${prefix}preprocessing.${side}: ${pre[side]}, but input ${input.name} fixes its ${side} at ${dim} (${where})`,
      );
    }
  }
}

function invalid(message: string): FerryError {
  return new FerryError(ErrorCode.MANIFEST_INVALID, message);
}
