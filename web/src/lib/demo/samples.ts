import { SampleSet } from '$shared/schemas/samples.ts';
import type { ModelSession } from './model-session.svelte';

/**
 * The held-out samples a bundle ships (`samples.json`, role `sample`), read through the model's
 * verified cache; undefined when the bundle has none.
 */
export async function loadSamples(session: ModelSession): Promise<SampleSet | undefined> {
  const info = await session.ready();
  const file = info.manifest.files.find((f) => f.role === 'sample' && f.path.endsWith('samples.json'));
  if (!file) return undefined;
  const bytes = await session.file(file.path);
  return SampleSet.parse(JSON.parse(new TextDecoder().decode(bytes)));
}

/** Decodes an image file of the bundle (PNG, JPEG…) into RGBA pixels. */
export async function decodeImage(bytes: Uint8Array, type = 'image/png'): Promise<ImageData> {
  const bitmap = await createImageBitmap(new Blob([bytes as Uint8Array<ArrayBuffer>], { type }));
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const context = canvas.getContext('2d');
  if (!context) throw new Error('2D canvas unavailable');
  context.drawImage(bitmap, 0, 0);
  bitmap.close();
  return context.getImageData(0, 0, canvas.width, canvas.height);
}
