// Computes the expected output of the paddleocr-det sample with onnxruntime-node and writes
// samples.json (run by models/build.sh after make_sample.py):
//   TSX_TSCONFIG_PATH=test/tsconfig.json node --import tsx models/paddleocr-det/expected.ts [--out DIR]
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { bundlePath, readManifest } from '../lib/bundle-files.ts';
import { openSession, runFloat } from '../lib/inference.ts';
import { decodePng } from '../lib/png.ts';
import type { SampleSet } from '$shared/schemas/samples.ts';
import { detectBoxes, imageToTensor } from '../lib/text-detection.ts';

const bundle = 'paddleocr-det';
const outFlag = process.argv.indexOf('--out');
const out = outFlag > 0 ? path.resolve(process.argv[outFlag + 1] as string) : bundlePath(bundle);

/** Runs the bundle's model on one PNG exactly as samples.json describes it. */
export async function detect(pngFile: string): Promise<SampleSet['samples'][number]['expected']> {
  const manifest = readManifest(bundle);
  const pre = manifest.preprocessing;
  const post = manifest.postprocessing;
  if (pre.kind !== 'image' || !pre.mean || !pre.std || post.kind !== 'probability-map') {
    throw new Error(
      'paddleocr-det/ferry.json: expected image preprocessing with mean/std and a probability map',
    );
  }
  const image = decodePng(readFileSync(pngFile));
  if (image.width !== pre.width || image.height !== pre.height) {
    throw new Error(
      `${pngFile}: ${image.width}×${image.height}, the bundle works at ${pre.width}×${pre.height}`,
    );
  }
  const data = imageToTensor(image, { scale: pre.scale, mean: pre.mean, std: pre.std });
  const session = await openSession(bundle);
  try {
    const input = { name: 'x', data, dims: [1, 3, image.height, image.width] };
    const map = await runFloat(session, input, post.output ?? 'sigmoid_0.tmp_0');
    return detectBoxes(map, { width: image.width, height: image.height }, post.threshold);
  } finally {
    await session.release();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const expected = await detect(path.join(out, 'sample.png'));
  const samples: SampleSet = {
    model: bundle,
    description:
      'A rendered 320×320 RGB text image. input.image: PNG path inside the bundle; expected: boxes from the thresholded probability map (see README) and a summary of the map.',
    samples: [{ id: 'rendered-text', input: { image: 'sample.png', width: 320, height: 320 }, expected }],
  };
  writeFileSync(path.join(out, 'samples.json'), `${JSON.stringify(samples, null, 2)}\n`);
  console.log(
    `paddleocr-det: ${'boxes' in expected ? expected.boxes.length : 0} boxes → ${out}/samples.json`,
  );
}
