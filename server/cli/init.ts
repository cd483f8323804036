import { existsSync } from 'node:fs';
import { readFile, readdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Command } from 'commander';
import { BundlePath, ErrorCode, ModelName, type BundleFile, type BundleManifestInput } from '$shared';
import { CliError, ExitCode } from './exit-codes.ts';
import {
  UnsupportedTensorError,
  initManifest,
  referenceSkeleton,
  samplesSkeleton,
  type HuggingFaceFolder,
} from './init-manifest.ts';
import { readOnnxGraph } from '../services/onnx-graph.ts';
import { output } from './options.ts';

/** What `ferry init` wrote. */
export interface InitResult {
  /** The bundle folder, as given on the command line. */
  dir: string;
  /** Files written, relative to the bundle folder. */
  written: string[];
  manifest: BundleManifestInput;
}

/** Where the ONNX file and the bundle folder are, and what else the folder holds. */
interface Source {
  dir: string;
  onnxPath: string;
  huggingFace?: HuggingFaceFolder;
  otherFiles: BundleFile[];
}

// transformers.js' layout (https://huggingface.co/docs/transformers.js/custom_usage): the q8 file
// is what the browser loads by default, so it is preferred when both are there.
const HF_ONNX = ['onnx/model_quantized.onnx', 'onnx/model.onnx', 'model_quantized.onnx', 'model.onnx'];
const HF_FILES: readonly BundleFile[] = [
  { path: 'config.json', role: 'config' },
  { path: 'tokenizer.json', role: 'tokenizer' },
  { path: 'tokenizer_config.json', role: 'tokenizer-config' },
];

function invalid(message: string): CliError {
  return new CliError(message, ExitCode.INVALID, { code: ErrorCode.INVALID_INPUT });
}

async function huggingFaceOf(dir: string): Promise<HuggingFaceFolder> {
  let config: { architectures?: unknown; id2label?: unknown } = {};
  try {
    config = JSON.parse(await readFile(path.join(dir, 'config.json'), 'utf8')) as typeof config;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw invalid(`config.json: not JSON (${(error as Error).message})`);
    }
  }
  const architectures = Array.isArray(config.architectures)
    ? config.architectures.filter((a): a is string => typeof a === 'string')
    : [];
  const id2label = config.id2label && typeof config.id2label === 'object' ? config.id2label : null;
  const labels = id2label
    ? Object.entries(id2label as Record<string, unknown>)
        .sort(([a], [b]) => Number(a) - Number(b))
        .map(([, label]) => String(label))
    : undefined;
  return { architectures, ...(labels ? { labels } : {}) };
}

async function sourceOf(target: string): Promise<Source> {
  const info = await stat(target).catch(() => null);
  if (!info) throw invalid(`${target}: no such file or folder`);
  if (info.isFile()) {
    if (!target.endsWith('.onnx')) throw invalid(`${target}: not an .onnx file or a folder`);
    return { dir: path.dirname(target), onnxPath: path.basename(target), otherFiles: [] };
  }
  if (existsSync(path.join(target, 'tokenizer.json'))) {
    const onnxPath = HF_ONNX.find((p) => existsSync(path.join(target, p)));
    if (!onnxPath) throw invalid(`${target}: a Hugging Face folder without ${HF_ONNX.join(' or ')}`);
    const otherFiles = HF_FILES.filter((f) => existsSync(path.join(target, f.path)));
    return { dir: target, onnxPath, huggingFace: await huggingFaceOf(target), otherFiles };
  }
  const onnx = (await readdir(target)).filter((f) => f.endsWith('.onnx')).sort();
  if (onnx.length !== 1) {
    const found = onnx.length === 0 ? 'none' : onnx.join(', ');
    throw invalid(`${target}: expected one .onnx file in the folder, found ${found}; name the file instead`);
  }
  return { dir: target, onnxPath: onnx[0] as string, otherFiles: [] };
}

/** A model name from a file or folder name: lowercase, other characters as hyphens. */
function nameFrom(source: Source): string {
  const base = source.huggingFace
    ? path.basename(path.resolve(source.dir))
    : source.onnxPath.replace(/\.onnx$/, '');
  const slug = path
    .basename(base)
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64)
    .replace(/-+$/, '');
  return slug || 'model';
}

/**
 * `ferry init`: reads the ONNX graph (no onnxruntime) and writes `ferry.json`, `samples.json` and
 * `reference.skeleton.json` into the bundle folder. Refuses to overwrite ferry.json without
 * `force`. Throws {@link CliError}.
 */
export async function initBundle(
  target: string,
  options: { name?: string; force?: boolean },
): Promise<InitResult> {
  const source = await sourceOf(target);
  const name = options.name ?? nameFrom(source);
  if (!ModelName.safeParse(name).success) {
    throw new CliError(
      `--name: "${name}" must be 1–64 lowercase letters, digits or inner hyphens`,
      ExitCode.USAGE,
    );
  }
  if (!BundlePath.safeParse(source.onnxPath).success) {
    throw invalid(`${source.onnxPath}: rename it to letters, digits, . _ - only (a bundle path)`);
  }
  if (!options.force && existsSync(path.join(source.dir, 'ferry.json'))) {
    throw new CliError('ferry.json: already exists (use --force to overwrite it)', ExitCode.USAGE);
  }
  const bytes = await readFile(path.join(source.dir, source.onnxPath));
  let manifest: BundleManifestInput;
  try {
    const graph = readOnnxGraph(bytes);
    manifest = initManifest({
      name,
      onnxPath: source.onnxPath,
      graph,
      ...(source.huggingFace ? { huggingFace: source.huggingFace } : {}),
      otherFiles: [...source.otherFiles, { path: 'samples.json', role: 'sample' }],
    });
  } catch (error) {
    if (error instanceof UnsupportedTensorError) throw invalid(`${source.onnxPath}: ${error.message}`);
    throw new CliError(
      `${source.onnxPath}: not an ONNX model (${(error as Error).message})`,
      ExitCode.INVALID,
      {
        code: ErrorCode.ONNX_INVALID,
        details: { file: source.onnxPath },
      },
    );
  }
  const files: [string, unknown][] = [
    ['ferry.json', manifest],
    ['samples.json', samplesSkeleton(manifest)],
    ['reference.skeleton.json', referenceSkeleton(manifest)],
  ];
  for (const [file, json] of files) {
    await writeFile(path.join(source.dir, file), `${JSON.stringify(json, null, 2)}\n`);
  }
  return { dir: source.dir, written: files.map(([file]) => file), manifest };
}

/** The lines `ferry init` prints: what it wrote and what to check before publishing. */
function summary(result: InitResult): string[] {
  const m = result.manifest;
  const tensors = (specs: typeof m.signature.inputs) =>
    specs.map((s) => `${s.name} ${s.type}[${s.shape.join(', ')}]`).join(', ') || '(none)';
  return [
    `wrote ${result.written.join(', ')} in ${result.dir}`,
    `  name ${m.name}@${m.version}, task ${m.task} (guessed), runtime ${m.runtime?.dtype} on ${m.runtime?.executionProviders?.join(', ')}`,
    `  inputs:  ${tensors(m.signature.inputs)}`,
    `  outputs: ${tensors(m.signature.outputs)}`,
    'next: edit description, license and source in ferry.json, check the task, fill samples.json, then',
    `  ferry publish ${result.dir}`,
  ];
}

/** `ferry init <model.onnx | folder>`. */
export function initCommand(): Command {
  return new Command('init')
    .description(
      'write a starting ferry.json (and samples/reference skeletons) from an ONNX file or a Hugging Face folder',
    )
    .argument('<source>', 'an .onnx file, or a folder holding one (transformers.js layout for text models)')
    .option('--name <name>', 'model name (default: from the file or folder name)')
    .option('--force', 'overwrite an existing ferry.json')
    .option('--json', 'print the result as JSON')
    .action(async (source: string, options: { name?: string; force?: boolean; json?: boolean }) => {
      const result = await initBundle(source, options);
      output(options.json, result, () => summary(result));
    });
}
