import { z } from 'zod';
import { fromBase64 } from '$shared/encoding/bytes.ts';
import { Sha256 } from '$shared/schemas/manifest.ts';
import { invalidInputOf } from './errors.ts';
import { TelemetrySetting } from './telemetry/config.ts';

const isHttpUrl = (value: string) =>
  URL.canParse(value) && ['http:', 'https:'].includes(new URL(value).protocol);

const isEd25519Key = (value: string) => {
  try {
    return fromBase64(value).length === 32;
  } catch {
    return false;
  }
};

const serverUrlMessage = (issue: { input?: unknown }) =>
  `must be an absolute http(s) URL, got ${JSON.stringify(issue.input)}`;
const publicKeyMessage = 'must be base64 of the raw 32-byte Ed25519 key';
const budgetMessage = 'must be a non-negative number';
const threadsMessage = 'must be a positive integer';
const assetsUrlMessage = 'must be an absolute URL of the folder holding the .wasm files';

/** Test-only switches, documented on the client option that sets them. */
const TestHooks = z.object({ loseWebGpuAdapter: z.boolean().optional(), runSlot: z.boolean().optional() });
export type TestHooks = z.infer<typeof TestHooks>;

const attributeValue = z.union([z.string().max(256), z.number(), z.boolean()], {
  error: 'must be a string, number or boolean',
});

const ControlOptions = z.object({
  appVersion: z.string().min(1).max(256).optional(),
  locale: z.string().min(1).max(35).optional(),
  attributes: z.record(z.string().min(1).max(64), attributeValue).default({}),
  onExpired: z.enum(['keep-last', 'stop'], { error: 'keep-last or stop' }).default('keep-last'),
  pollIntervalMs: z.int({ error: 'must be an integer' }).min(100).max(86_400_000).default(60_000),
});

/**
 * Rollout control on the device (client option `control`); `false` turns it off. Not a
 * `z.union`: a union reports its own path, and a bad option must be named (`control.onExpired`).
 */
const ControlSetting = z
  .custom<false | z.input<typeof ControlOptions>>()
  .transform((value, context): false | z.output<typeof ControlOptions> => {
    if (value === false) return false;
    const parsed = ControlOptions.safeParse(value ?? {});
    if (parsed.success) return parsed.data;
    for (const issue of parsed.error.issues) context.addIssue({ ...issue, code: 'custom' });
    return z.NEVER;
  });

/** The worker's settings, as the client sends them to `init()`. Key order is the order checked. */
const WorkerConfig = z.object({
  serverUrl: z.string({ error: serverUrlMessage }).refine(isHttpUrl, { error: serverUrlMessage }),
  publicKey: z.string({ error: publicKeyMessage }).refine(isEd25519Key, publicKeyMessage),
  keyid: Sha256.optional(),
  cache: z.enum(['indexeddb', 'memory'], { error: 'indexeddb or memory' }),
  // Infinity is a budget too: keep everything.
  cacheBudgetBytes: z.union([z.number().min(0, budgetMessage), z.literal(Infinity)], {
    error: budgetMessage,
  }),
  backend: z.enum(['auto', 'wasm', 'webgpu'], { error: 'auto, wasm or webgpu' }),
  numThreads: z.int({ error: threadsMessage }).min(1, threadsMessage).optional(),
  assetsUrl: z
    .string({ error: assetsUrlMessage })
    .refine((value) => URL.canParse(value), assetsUrlMessage)
    .optional(),
  // Compiled forms of ONNX files when the server made them (see loader/delivered-files.ts).
  compiledModels: z.boolean({ error: 'must be true or false' }).default(true),
  testHooks: TestHooks,
  telemetry: TelemetrySetting,
  control: ControlSetting.optional().transform((value) => value ?? ControlOptions.parse({})),
});
export type WorkerConfig = z.infer<typeof WorkerConfig>;
/** What the client sends: telemetry settings may leave their defaults out. */
export type WorkerOptions = z.input<typeof WorkerConfig>;

/** Checks every option and names the first bad one (INVALID_INPUT, `details.field`). */
export function parseWorkerConfig(options: WorkerOptions): WorkerConfig {
  const parsed = WorkerConfig.safeParse(options);
  if (parsed.success) return parsed.data;
  throw invalidInputOf(parsed.error.issues);
}
