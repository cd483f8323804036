import { ErrorCode, FerryError } from '$shared/errors.ts';
import type { PublishedManifest } from '$shared/schemas/manifest.ts';
import type { ImageDataLike, RunInput, TensorInputs } from '../types.ts';
import { imageToFeed, planImage } from './image-input.ts';
import { tabularToFeed } from './tabular-input.ts';
import { tensorFeeder, type Feed } from './tensor-input.ts';

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null;

function isImageLike(value: unknown): value is ImageDataLike {
  return isObject(value) && ArrayBuffer.isView(value.data) && typeof value.width === 'number';
}

/**
 * How much of an image input's pixel space the model's tensor spans, so that maps it outputs
 * (text detection) scale back onto the picture: the picture's size when it fills the tensor
 * (`stretch`), more when the tensor pads it (`contain`, dynamic sides). With `cover` the crop's
 * offset is not applied (boxes are relative to the crop's corner). Undefined for other inputs.
 */
export function imageSizeOf(
  input: RunInput,
  manifest?: PublishedManifest,
): { width: number; height: number } | undefined {
  if (!isObject(input) || !isImageLike(input.image)) return undefined;
  const { width, height } = input.image;
  const pre = manifest?.preprocessing;
  if (pre?.kind !== 'image') return { width, height };
  const plan = planImage({ width, height }, pre);
  const [sx, sy] = [plan.target.width / plan.source.width, plan.target.height / plan.source.height];
  return { width: plan.width / sx, height: plan.height / sy };
}

/** The text of a text input (`'…'` or `{ text }`), or undefined for other inputs. */
export function textOf(input: RunInput): string | undefined {
  if (typeof input === 'string') return input;
  if (isObject(input) && typeof input.text === 'string' && Object.keys(input).length === 1) return input.text;
  return undefined;
}

/**
 * Turns what `run` was given into the session's feeds, as the manifest says: `{ image }` through
 * the image preprocessing, `{ feature: number, … }` through the tabular one, named tensors as
 * they are (checked against the signature). Anything else is `INVALID_INPUT` saying what fits.
 * What the checks need is worked out once per model, here, not on every run.
 */
export function createFeeder(manifest: PublishedManifest): (input: RunInput) => Record<string, Feed> {
  const pre = manifest.preprocessing;
  const tensors = tensorFeeder(manifest.signature);
  return (input) => {
    if (!isObject(input)) {
      throw new FerryError(
        ErrorCode.INVALID_INPUT,
        `input: ${manifest.task} models take an object, not text`,
      );
    }
    if ('image' in input && isImageLike(input.image) && Object.keys(input).length === 1) {
      if (pre.kind !== 'image') {
        throw new FerryError(ErrorCode.INVALID_INPUT, `image: ${manifest.name} has no image preprocessing`);
      }
      return withFixedInputs(manifest, { [pre.input]: imageToFeed(input.image, pre) });
    }
    if (allNumbers(input)) {
      if (pre.kind !== 'tabular') {
        throw new FerryError(ErrorCode.INVALID_INPUT, `input: ${manifest.name} has no tabular features`);
      }
      return withFixedInputs(manifest, { [pre.input]: tabularToFeed(input as Record<string, number>, pre) });
    }
    return tensors(input as TensorInputs);
  };
}

/** Whether `input` has at least one value and only numbers (tabular features). */
function allNumbers(input: Record<string, unknown>): boolean {
  let any = false;
  for (const key in input) {
    if (typeof input[key] !== 'number') return false;
    any = true;
  }
  return any;
}

function withFixedInputs(manifest: PublishedManifest, feeds: Record<string, Feed>): Record<string, Feed> {
  const missing = manifest.signature.inputs.filter((spec) => !(spec.name in feeds)).map((s) => s.name);
  if (missing.length > 0) {
    throw new FerryError(
      ErrorCode.INVALID_INPUT,
      `input: the model also needs ${missing.join(', ')}; pass every input as a named tensor`,
    );
  }
  return feeds;
}
