import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { build } from 'vite';
import { ferryWorkerPlugin } from '../../workers/vite-plugin.ts';
import { startStack, type Stack } from '../e2e/support/stack.ts';
import { startStaticServer } from '../e2e/support/static-server.ts';
import ensureSdk from '../support/sdk-setup.ts';
import { median, row, type BenchResult } from './report.ts';

const root = path.resolve(import.meta.dirname, '..', '..');
const MODEL = 'debian-sections';
const MODEL_FILES = ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/model_quantized.onnx'];
const TEXT = 'command-line utility to convert images between formats, with a small graphical viewer';
/** Reloads measured per side, alternating, after one cold load each (`FERRY_WARM_RELOADS` for more). */
const RELOADS = Number(process.env.FERRY_WARM_RELOADS ?? 7);
/**
 * How long each page stays open after its first result before the next reload, as a visitor's
 * would. V8 keeps onnxruntime's compiled WASM module for later loads; with pages closed at the
 * first result, whether a reload found it was left to chance (Chrome traces of the same warm
 * reload: on both sides no WASM function compiled lazily in one run, ~3,800 in another). Held
 * open this long, both sides found it in every traced run with two WASM threads. With one (the
 * default on 2 cores since c1132c7) neither side did in any traced reload: each compiled ~3,700
 * functions lazily on its worker thread (200-250 ms of CPU) and both took about twice as long.
 * What a reload finds is the renderer's in-memory module: Chrome's persistent WASM code cache
 * serves neither side. Chromium 156 writes it about 8 minutes after a load (464 s measured), not 2 s
 * after the last TurboFan compile, as V8 re-arms its caching timer with milliseconds passed as
 * seconds; and an entry written while the `no-cache` .wasm was revalidated (304) never validates
 * later. Forced to serve (`--js-flags=--wasm-caching-timeout-ms=0`, .wasm served `max-age`), plain
 * transformers.js reloaded in 355 ms instead of 648 (medians of 10 interleaved reloads, 1 thread).
 */
const HOLD_MS = 2500;

/** Builds the baseline worker (baseline-worker.ts) with Ferry's Vite worker settings into `outDir`. */
async function buildBaseline(outDir: string): Promise<void> {
  const output = { entryFileNames: '[name].js', chunkFileNames: 'chunks/[name]-[hash].js' };
  await build({
    configFile: false,
    root,
    base: './',
    logLevel: 'warn',
    publicDir: false,
    plugins: [ferryWorkerPlugin()],
    build: {
      outDir,
      emptyOutDir: true,
      target: 'es2022',
      modulePreload: false,
      assetsInlineLimit: 0,
      copyPublicDir: false,
      reportCompressedSize: false,
      rolldownOptions: {
        input: { worker: path.join(root, 'test/bench/warm-load/baseline-worker.ts') },
        preserveEntrySignatures: 'strict',
        output: { ...output, assetFileNames: 'assets/[name][extname]' },
      },
    },
    worker: { format: 'es' },
  });
}

/** Ferry: client, model, first run() result, timed in the page from before the SDK's import. */
const FERRY_IN_PAGE = `async ([options, model, text]) => {
  const started = performance.now();
  const { createFerryClient } = await import('/sdk/client.js');
  const client = createFerryClient(options);
  const handle = client.model(model);
  const result = await handle.run(text);
  const ms = performance.now() - started;
  const info = handle.info;
  return {
    ms,
    label: result.scores?.[0]?.label,
    fromCache: info.fromCache,
    threads: info.threads,
    compiled: info.compiled,
  };
}`;

/**
 * Plain transformers.js: a module worker, the pipeline, its first result; timed the same way. Its
 * WASM threads are those Ferry's worker reported using (ModelInfo.threads), whatever default
 * Ferry picks, so both sides run the same thread pool.
 */
const BASELINE_IN_PAGE = `async ([model, text, threads]) => {
  const started = performance.now();
  const worker = new Worker('/worker.js', { type: 'module' });
  const reply = await new Promise((resolve) => {
    worker.onmessage = (event) => resolve(event.data);
    worker.postMessage({ modelBase: '/models/', model, text, threads });
  });
  const ms = performance.now() - started;
  if (reply.error) throw new Error(reply.error);
  return { ms, label: reply.result?.[0]?.label };
}`;

interface Timing {
  ms: number;
  label?: string;
  fromCache?: boolean;
  /** Ferry's only: the WASM threads its worker ran with. */
  threads?: number;
  /** Ferry's only: its session ran the compiled form of the ONNX file (ModelInfo.compiled). */
  compiled?: boolean;
}

type Side = 'ferry' | 'plain' | 'uncompiled';
const SIDES: readonly Side[] = ['ferry', 'plain', 'uncompiled'];

async function timeIn(page: Page, url: string, call: { script: string; args: unknown[] }): Promise<Timing> {
  await page.goto(url); // a reload of the tab's own page: same profile, same caches
  const timing = (await page.evaluate(`(${call.script})(${JSON.stringify(call.args)})`)) as Timing;
  await page.waitForTimeout(HOLD_MS); // the next goto ends the page and its workers
  return timing;
}

/**
 * Warm load to first result of debian-sections (issue 9, point 6): Ferry's SDK after a reload
 * (verified cache, unexpired control document: no request waited on) beside plain transformers.js
 * loading the same files from a static server in the same browser (same onnxruntime-web WASM
 * build and threads, in a module worker, with its own browser cache), and beside Ferry with
 * `compiledModels: false` (the original ONNX file instead of the compiled form publishing made),
 * which shows what compiled forms give. Each side reloads its own tab of the same browser; medians
 * of reloads taken in rotating order after one cold load each.
 */
export async function warmLoadBenchmark(): Promise<BenchResult> {
  ensureSdk();
  const dir = path.join(root, '.tmp', 'bench-warm-load');
  rmSync(dir, { recursive: true, force: true });
  await buildBaseline(dir);
  for (const file of MODEL_FILES) {
    mkdirSync(path.dirname(path.join(dir, 'models', MODEL, file)), { recursive: true });
    copyFileSync(path.join(root, 'models', MODEL, file), path.join(dir, 'models', MODEL, file));
  }
  writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>transformers.js baseline</title>');
  const baseline = await startStaticServer({ folder: dir });
  // Ferry without compiled forms on a site of its own: a client on the same origin would share
  // the default side's cache, and each would replace the other's files of the version.
  const uncompiledSite = await startStaticServer();
  let stack: Stack | undefined;
  try {
    stack = await startStack({ alsoAllow: [uncompiledSite.origin] });
    await stack.publish(`models/${MODEL}`);
    // One tab per side: a tab that alternated between origins would pay a renderer swap (about
    // 600 ms here, COOP puts each origin in its own process) on most reloads of every side.
    const ferryTab = stack.page;
    const ferryArgs = [stack.clientOptions(), MODEL, TEXT];
    const ferry = () =>
      timeIn(ferryTab, `${stack!.site.url}control.html`, { script: FERRY_IN_PAGE, args: ferryArgs });
    const coldFerry = await ferry();
    const { threads } = coldFerry;
    if (!threads) throw new Error('warm-load: Ferry reported no WASM thread count');
    if (!coldFerry.compiled) throw new Error('warm-load: Ferry did not load the compiled form');
    const plainTab = await stack.browser.context.newPage();
    const plainArgs = [MODEL, TEXT, threads];
    const uncompiledTab = await stack.browser.context.newPage();
    const uncompiledArgs = [stack.clientOptions({ compiledModels: false }), MODEL, TEXT];
    const load: Record<Side, () => Promise<Timing>> = {
      ferry,
      plain: () => timeIn(plainTab, baseline.url, { script: BASELINE_IN_PAGE, args: plainArgs }),
      uncompiled: () =>
        timeIn(uncompiledTab, `${uncompiledSite.url}control.html`, {
          script: FERRY_IN_PAGE,
          args: uncompiledArgs,
        }),
    };
    const cold = { ferry: coldFerry, plain: await load.plain(), uncompiled: await load.uncompiled() };
    for (const side of ['plain', 'uncompiled'] as const) {
      if (cold.ferry.label !== cold[side].label) {
        throw new Error(`warm-load: Ferry says ${cold.ferry.label}, ${side} ${cold[side].label}`);
      }
    }
    const warm: Record<Side, Timing[]> = { ferry: [], plain: [], uncompiled: [] };
    for (let i = 0; i < RELOADS; i++) {
      // Rotating: each side goes first, second and third equally often (up to one round).
      for (let k = 0; k < SIDES.length; k++) {
        const side = SIDES[(i + k) % SIDES.length]!;
        warm[side].push(await load[side]());
      }
    }
    const ferrySides = [...warm.ferry, ...warm.uncompiled];
    if (!ferrySides.every((t) => t.fromCache)) throw new Error('warm-load: a Ferry reload downloaded files');
    if (!ferrySides.every((t) => t.threads === threads)) throw new Error('warm-load: Ferry changed threads');
    if (!warm.ferry.every((t) => t.compiled) || warm.uncompiled.some((t) => t.compiled)) {
      throw new Error('warm-load: a Ferry reload ran another form of the model than its side asked for');
    }
    const ms = (side: Side) => median(warm[side].map((t) => t.ms));
    const each = (side: Side) => warm[side].map((t) => Math.round(t.ms)).join(' ');
    console.log(
      `warm-load reloads (ms): Ferry ${each('ferry')}; transformers.js ${each('plain')}; ` +
        `Ferry with compiledModels: false ${each('uncompiled')}`,
    );
    return {
      name: 'warm-load',
      description:
        `Warm load to first result of ${MODEL} in headless Chromium: a page reload, then Ferry's SDK ` +
        `(createFerryClient → model → first run(), from its verified cache with an unexpired control ` +
        `document) vs plain transformers.js in a module worker loading the same files from a static ` +
        `server (its own browser cache), same onnxruntime-web WASM build, with as many WASM threads ` +
        `as Ferry's worker reported using (ModelInfo.threads: ${threads}). Each side ` +
        `reloads its own tab of the same browser, and each page stays open ${HOLD_MS} ms after its ` +
        `first result, as a visitor's would (the renderer may then still hold the compiled WASM module). ` +
        `Ferry (default) loads the compiled form publishing made of the ONNX file: onnxruntime's own ` +
        `format, optimised at level extended, loaded with graph optimisation off, so onnxruntime ` +
        `neither parses protobuf nor runs its optimiser, and V8 compiles far fewer of its WASM ` +
        `functions on first call. A third tab, Ferry with compiledModels: false on an origin of its ` +
        `own (its own cache), loads the original file as transformers.js does, to show what the ` +
        `compiled form gives. Median of ${RELOADS} reloads per side in rotating order, after one ` +
        `cold load each.`,
      baseline: 'plain transformers.js in a module worker, files from a static server',
      settings: { model: MODEL, reloads: RELOADS, holdMs: HOLD_MS, backend: 'wasm', threads },
      rows: [
        row(`${MODEL}: warm load to first result, Ferry vs plain transformers.js`, {
          unit: 'ms (median)',
          ferry: ms('ferry'),
          baseline: ms('plain'),
          better: 'lower',
        }),
        row(`${MODEL}: cold load to first result (empty caches), Ferry vs plain transformers.js`, {
          unit: 'ms',
          ferry: cold.ferry.ms,
          baseline: cold.plain.ms,
          better: 'lower',
        }),
        row(
          `${MODEL}: warm load to first result, Ferry with compiledModels: false vs plain transformers.js`,
          { unit: 'ms (median)', ferry: ms('uncompiled'), baseline: ms('plain'), better: 'lower' },
        ),
        row(
          `${MODEL}: cold load to first result (empty caches), Ferry with compiledModels: false vs plain transformers.js`,
          { unit: 'ms', ferry: cold.uncompiled.ms, baseline: cold.plain.ms, better: 'lower' },
        ),
      ],
    };
  } finally {
    await stack?.close();
    await baseline.close();
    await uncompiledSite.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
