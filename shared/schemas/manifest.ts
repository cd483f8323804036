import { z } from 'zod';
import { ReferenceProfile } from './reference-profile.ts';

/** Model names: lowercase letters, digits and inner hyphens; safe in URLs and file names. */
export const ModelName = z
  .string()
  .regex(/^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/, 'must be 1–64 lowercase letters, digits or inner hyphens');

// The official SemVer 2.0.0 regular expression (https://semver.org/#is-there-a-suggested-regular-expression-regular-expression-to-check-a-semver-string).
const semverPattern =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;

/** A semantic version such as `1.2.0` or `2.0.0-rc.1`. */
export const SemVer = z.string().max(128).regex(semverPattern, 'must be a semantic version such as 1.2.0');

/** What a bundle does; decides which runtime path and pre/post-processing the worker uses. */
export const Task = z.enum([
  'image-classification',
  'text-classification',
  'tabular-classification',
  'feature-extraction',
  'text-detection',
  'custom',
]);
export type Task = z.infer<typeof Task>;

/** What a file in a bundle is for. */
export const FileRole = z.enum([
  'onnx',
  'tokenizer',
  'tokenizer-config',
  'config',
  'labels',
  'reference',
  'sample',
  'other',
]);
export type FileRole = z.infer<typeof FileRole>;

/** A relative POSIX path inside the bundle folder; never absolute, never leaving the folder. */
export const BundlePath = z
  .string()
  .min(1)
  .max(256)
  .regex(/^[A-Za-z0-9._-]+(?:\/[A-Za-z0-9._-]+)*$/, 'must be a relative path of letters, digits, . _ - and /')
  .refine((p) => !p.split('/').some((part) => part === '.' || part === '..'), 'must not contain . or ..');

/** A lowercase hex SHA-256 digest. */
export const Sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex digits');

/** ONNX tensor element types, spelled as onnxruntime-web spells them. */
export const ElementType = z.enum([
  'float32',
  'float16',
  'float64',
  'int8',
  'uint8',
  'int16',
  'uint16',
  'int32',
  'uint32',
  'int64',
  'uint64',
  'bool',
  'string',
]);
export type ElementType = z.infer<typeof ElementType>;

/** A dimension: a fixed size, or a symbolic name such as `batch` or `sequence`. */
export const Dim = z.union([z.number().int().nonnegative(), z.string().min(1).max(64)]);
export type Dim = z.infer<typeof Dim>;

/** A named input or output of the model graph. */
export const TensorSpec = z.object({
  name: z.string().min(1).max(256),
  type: ElementType,
  shape: z.array(Dim).max(16),
  description: z.string().max(1000).optional(),
});
export type TensorSpec = z.infer<typeof TensorSpec>;

/**
 * The declared graph signature; publishing checks it against every ONNX file of the bundle. A
 * graph may have no inputs (a lone `Constant`, a generator): onnxruntime runs it with no feeds.
 */
export const Signature = z.object({
  inputs: z.array(TensorSpec).max(64),
  outputs: z.array(TensorSpec).min(1).max(64),
});
export type Signature = z.infer<typeof Signature>;

/** Execution providers a bundle may run on, in order of preference. */
export const ExecutionProvider = z.enum(['webgpu', 'wasm']);
export type ExecutionProvider = z.infer<typeof ExecutionProvider>;

/** How the bundle wants to be run. */
export const RuntimeHints = z.object({
  executionProviders: z.array(ExecutionProvider).min(1).default(['webgpu', 'wasm']),
  dtype: z.enum(['fp32', 'fp16', 'q8', 'q4']).default('fp32'),
  requirements: z
    .object({
      webgpu: z.boolean().default(false),
      minMemoryMB: z.number().int().positive().optional(),
    })
    .default({ webgpu: false }),
});
export type RuntimeHints = z.infer<typeof RuntimeHints>;

/** One named numeric feature of a tabular model, in input order. */
export const TabularFeature = z.object({
  name: z.string().min(1).max(128),
  label: z.string().max(256).optional(),
  unit: z.string().max(64).optional(),
  min: z.number(),
  max: z.number(),
  default: z.number(),
  step: z.number().positive().optional(),
});
export type TabularFeature = z.infer<typeof TabularFeature>;

/** A side of an image tensor that follows the picture's aspect ratio instead of being fixed. */
export const DynamicSide = z.object({
  /** The side is rounded up to a multiple of this (a network's stride: 8 for PaddleOCR's recogniser, 32 for its detector). */
  multipleOf: z.number().int().positive().max(4096),
});
export type DynamicSide = z.infer<typeof DynamicSide>;

/**
 * How an image fills a tensor of fixed size: `stretch` to it (the aspect ratio changes), `contain`
 * it whole (scaled to fit, top-left, the rest padded with `pad`), or `cover` it (scaled to fill,
 * the overflow cropped equally on both sides).
 */
export const ImageResize = z.enum(['stretch', 'contain', 'cover']);
export type ImageResize = z.infer<typeof ImageResize>;

const imagePreprocessing = z
  .object({
    kind: z.literal('image'),
    /** The input tensor this applies to. */
    input: z.string().min(1),
    /** The tensor's width; with `dynamic.width`, the largest it may be. */
    width: z.number().int().positive().max(16384),
    /** The tensor's height; with `dynamic.height`, the largest it may be. */
    height: z.number().int().positive().max(16384),
    channels: z.union([z.literal(1), z.literal(3)]),
    layout: z.enum(['NCHW', 'NHWC']).default('NCHW'),
    /** Raw 0–255 values are multiplied by `scale`, then `(x - mean[c]) / std[c]`. */
    scale: z.number().default(1 / 255),
    mean: z.array(z.number()).optional(),
    std: z.array(z.number()).optional(),
    /** Dark ink on light paper becomes high values (as in scikit-learn's digits). */
    invert: z.boolean().default(false),
    resize: ImageResize.default('stretch'),
    /**
     * Sides sized per image: the picture is scaled by the fixed side (or, both dynamic, shrunk to
     * fit `width`×`height`), keeping its aspect ratio; a dynamic side is then rounded up to its
     * multiple, at most `width`/`height`, and `resize` places the picture in that tensor.
     */
    dynamic: z.object({ width: DynamicSide.optional(), height: DynamicSide.optional() }).optional(),
    /** The tensor value (after normalisation) of pixels the picture does not cover. */
    pad: z.number().default(0),
  })
  .superRefine((pre, ctx) => {
    for (const side of ['width', 'height'] as const) {
      const multipleOf = pre.dynamic?.[side]?.multipleOf;
      if (multipleOf !== undefined && pre[side] % multipleOf !== 0) {
        ctx.addIssue({
          code: 'custom',
          path: [side],
          message: `${pre[side]} must be a multiple of dynamic.${side}.multipleOf (${multipleOf}), the largest ${side} the tensor may take`,
        });
      }
    }
  });

/** How raw input becomes the model's input tensor. */
export const Preprocessing = z.discriminatedUnion('kind', [
  imagePreprocessing,
  z.object({
    kind: z.literal('tabular'),
    input: z.string().min(1),
    features: z.array(TabularFeature).min(1).max(4096),
  }),
  z.object({
    kind: z.literal('text'),
    maxLength: z.number().int().positive().max(8192).optional(),
  }),
  z.object({ kind: z.literal('none') }),
]);
export type Preprocessing = z.infer<typeof Preprocessing>;

/** How the model's output tensor becomes a result a person reads. */
export const Postprocessing = z.discriminatedUnion('kind', [
  z.object({
    kind: z.enum(['softmax', 'sigmoid', 'probabilities']),
    /** The output tensor holding scores; the first output when absent. */
    output: z.string().min(1).optional(),
    topK: z.number().int().positive().max(1000).optional(),
  }),
  z.object({
    kind: z.literal('probability-map'),
    output: z.string().min(1).optional(),
    threshold: z.number().min(0).max(1).default(0.3),
  }),
  z.object({ kind: z.literal('none') }),
]);
export type Postprocessing = z.infer<typeof Postprocessing>;

/** Where a bundle's weights and data came from. */
export const BundleSource = z.object({
  description: z.string().min(1).max(2000),
  // Shown as a link in consoles and demos: javascript:, data: or file: URLs would run or leak there.
  url: z.url({ protocol: /^https?$/, error: 'must be an http or https URL' }).optional(),
  authors: z.array(z.string().max(200)).max(50).optional(),
});

/** A file as listed in the source `ferry.json`. */
export const BundleFile = z.object({
  path: BundlePath,
  role: FileRole,
});
export type BundleFile = z.infer<typeof BundleFile>;

/**
 * The onnxruntime release that makes compiled forms at publish (the server's onnxruntime-node) and
 * that the worker runs (onnxruntime-web): both are pinned to it, and a test holds them to it. A
 * compiled form loads only on the release that made it.
 */
export const ONNXRUNTIME_VERSION = '1.30.0';

/**
 * A device-ready form of an ONNX file, made by the server when the version was published: the
 * graph optimised by onnxruntime at level `extended` (constant folding, node fusions; the same on
 * every CPU) and saved in onnxruntime's own flatbuffer format, which it loads without parsing
 * protobuf or optimising the graph again. A device whose onnxruntime is `onnxruntime` and that
 * runs the model on WASM downloads this instead of the file and creates its session with graph
 * optimisation off; any other loads the file itself. Publishing checked that it loads and gives
 * the file's outputs.
 */
export const CompiledForm = z.object({
  format: z.literal('ort'),
  optimization: z.literal('extended'),
  /** The onnxruntime release that made it: only that release loads it. */
  onnxruntime: SemVer,
  sha256: Sha256,
  size: z.number().int().positive(),
});
export type CompiledForm = z.infer<typeof CompiledForm>;

/**
 * A file as listed in a published manifest: the server adds its digest and size, and for an ONNX
 * file the compiled form it made, when it could make one that gives the same outputs.
 */
export const PublishedFile = BundleFile.extend({
  sha256: Sha256,
  size: z.number().int().nonnegative(),
  compiled: CompiledForm.optional(),
});
export type PublishedFile = z.infer<typeof PublishedFile>;

const manifestFields = {
  schemaVersion: z.literal(1),
  name: ModelName,
  version: SemVer,
  task: Task,
  description: z.string().min(1).max(2000),
  license: z.string().min(1).max(100),
  source: BundleSource,
  signature: Signature,
  runtime: RuntimeHints.default({
    executionProviders: ['webgpu', 'wasm'],
    dtype: 'fp32',
    requirements: { webgpu: false },
  }),
  preprocessing: Preprocessing.default({ kind: 'none' }),
  postprocessing: Postprocessing.default({ kind: 'none' }),
  labels: z.array(z.string().max(256)).max(100_000).optional(),
  reference: ReferenceProfile.optional(),
};

function uniquePaths(files: readonly { path: string }[], ctx: z.RefinementCtx): void {
  const seen = new Set<string>();
  files.forEach((file, index) => {
    if (seen.has(file.path)) {
      ctx.addIssue({
        code: 'custom',
        path: ['files', index, 'path'],
        message: `duplicate path ${file.path}`,
      });
    }
    seen.add(file.path);
  });
  if (!files.some((f) => (f as { role?: string }).role === 'onnx')) {
    ctx.addIssue({
      code: 'custom',
      path: ['files'],
      message: 'a bundle needs at least one file with role "onnx"',
    });
  }
}

/** The `ferry.json` a bundle author writes. */
export const BundleManifest = z
  .object({ ...manifestFields, files: z.array(BundleFile).min(1).max(256) })
  .superRefine((m, ctx) => uniquePaths(m.files, ctx));
export type BundleManifest = z.infer<typeof BundleManifest>;
/** `ferry.json` as written, before defaults are applied. */
export type BundleManifestInput = z.input<typeof BundleManifest>;

/** Lifecycle of a published version. Content never changes; only the status does. */
export const VersionStatus = z.enum(['published', 'deprecated', 'yanked']);
export type VersionStatus = z.infer<typeof VersionStatus>;

/**
 * The `signed` part of a published manifest: the bundle manifest plus what the server adds.
 * `metadataVersion` increases with every piece of metadata the server signs, so a client can
 * refuse metadata older than what it has already seen (a replay or freeze attack).
 */
export const PublishedManifest = z
  .object({
    _type: z.literal('ferry/manifest'),
    ...manifestFields,
    files: z.array(PublishedFile).min(1).max(256),
    metadataVersion: z.number().int().positive(),
    publishedAt: z.iso.datetime(),
    status: VersionStatus,
  })
  .superRefine((m, ctx) => uniquePaths(m.files, ctx));
export type PublishedManifest = z.infer<typeof PublishedManifest>;
