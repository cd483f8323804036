import { controlPage, rollout } from '../e2e/support/control-page.ts';
import { startStack, type Stack } from '../e2e/support/stack.ts';
import ensureSdk from '../support/sdk-setup.ts';
import { median, row, type BenchResult } from './report.ts';

const ROUNDS = 5;
const CANDIDATES = Array.from({ length: ROUNDS }, (_, i) => `1.${i + 2}.0`);

/**
 * Opens `/api/v1/events?models=digits` from Node and resolves with the time the first `control`
 * frame after `after()` is called arrives: the push alone, without any client work.
 */
async function sseReader(stack: Stack) {
  const controller = new AbortController();
  const response = await fetch(`${stack.server.url}/api/v1/events?models=digits`, {
    signal: controller.signal,
  });
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let waiting: ((at: number) => void) | undefined;
  void (async () => {
    let text = '';
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
      if (done) return;
      text += decoder.decode(value, { stream: true });
      let end: number;
      while ((end = text.indexOf('\n\n')) >= 0) {
        const frame = text.slice(0, end);
        text = text.slice(end + 2);
        if (frame.includes('event: control')) waiting?.(Date.now());
      }
    }
  })();
  return {
    next: () => new Promise<number>((resolve) => (waiting = resolve)),
    close: () => controller.abort(),
  };
}

/**
 * Rollout control in the browser: from sending a rollout or rollback mutation to `versionChanged`
 * in the page (SSE push, verification, loading the assigned version from the cache, engine swap),
 * beside the same document reaching a bare Node SSE reader (the push alone).
 */
export async function controlSwitchBenchmark(): Promise<BenchResult> {
  ensureSdk();
  const stack = await startStack();
  try {
    await stack.publish('models/digits');
    for (const version of CANDIDATES) {
      await stack.publishVariant('models/digits', (manifest) => {
        manifest.version = version;
      });
    }
    const op = (operation: Parameters<typeof rollout>[1], input: Record<string, unknown>) =>
      rollout(stack.server, operation, { model: 'digits', ...input });
    await op('setStable', { version: '1.1.0' });
    const page = controlPage(stack.page);
    await page.goto(stack.site.url);
    await page.open('client', stack.clientOptions());
    await page.load('digits', { client: 'client', name: 'digits' });
    const sse = await sseReader(stack);
    const timings = { rollout: [] as number[], rollback: [] as number[], push: [] as number[] };
    let changes = 0;
    for (const candidate of CANDIDATES) {
      for (const [kind, input] of [
        ['rollout', { candidate, percent: 100 }],
        ['rollback', {}],
      ] as const) {
        const pushed = sse.next();
        const sent = Date.now();
        await op(kind === 'rollout' ? 'start' : 'rollback', input);
        const change = (await page.versionChanges('digits', ++changes)).at(-1)!;
        timings[kind].push(change.at - sent);
        timings.push.push((await pushed) - sent);
      }
    }
    sse.close();
    return {
      name: 'Rollout control in the browser (mutation to versionChanged)',
      description:
        `Headless Chromium, one client following digits over SSE through the counting proxy; ${ROUNDS} rounds ` +
        `of a rollout at 100% then a rollback, each a tRPC mutation to the real server; medians of the time ` +
        `from sending the mutation to versionChanged in the page (page and Node share the clock). The ` +
        `switch loads the assigned version from the cache (same files), verifies it and swaps engines.`,
      baseline: 'the same control frame reaching a bare Node SSE reader (the push alone)',
      settings: { rounds: ROUNDS },
      rows: [
        row('rollback to versionChanged', {
          unit: 'ms',
          ferry: median(timings.rollback),
          baseline: median(timings.push),
          better: 'lower',
        }),
        row('rollout to versionChanged', {
          unit: 'ms',
          ferry: median(timings.rollout),
          baseline: median(timings.push),
          better: 'lower',
        }),
      ],
    };
  } finally {
    await stack.close();
  }
}
