import { z } from 'zod';
import { fromBase64 } from '$shared/encoding/bytes.ts';
import { Sha256 } from '$shared/schemas/manifest.ts';
import { invalidInput } from './errors.ts';
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
const TestHooks = z.object({ loseWebGpuAdapter: z.boolean().optional() });
export type TestHooks = z.infer<typeof TestHooks>;

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
  testHooks: TestHooks,
  telemetry: TelemetrySetting,
});
export type WorkerConfig = z.infer<typeof WorkerConfig>;
/** What the client sends: telemetry settings may leave their defaults out. */
export type WorkerOptions = z.input<typeof WorkerConfig>;

/** Checks every option and names the first bad one (INVALID_INPUT, `details.field`). */
export function parseWorkerConfig(options: WorkerOptions): WorkerConfig {
  const parsed = WorkerConfig.safeParse(options);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw invalidInput(issue?.path.join('.') || 'config', issue?.message ?? 'invalid');
}
