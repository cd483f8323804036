import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { tinyDir } from '../../server/testing/tiny-bundle.ts';
import { bundleVariant, removeTempDir } from '../support/bundles.ts';
import { startFerryServer, type FerryServer } from '../support/ferry-server.ts';
import { rssOf as rss } from '../support/process-memory.ts';
import { callTrpc, publishOverHttp } from '../support/registry-http.ts';
import { startChildServer } from './child-server.ts';
import { percentile, row, type BenchResult, type BenchRow } from './report.ts';

const settings = { sizes: '1, 1000, 5000, 10000', rollbacksPerSize: 3, model: 'bench' };
const SIZES = [1, 1000, 5000, 10_000];

/** A client process holding `count` streams (test/bench/events-clients.ts). */
interface Clients {
  /** Arms every stream, runs `trigger`, resolves with each stream's receipt (wall-clock ms). */
  measure(trigger: () => Promise<void>): Promise<number[]>;
  stop(): void;
}

async function startClients(url: string, count: number): Promise<Clients> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(import.meta.dirname, 'events-clients.ts'), url, String(count)],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const lines = createInterface({ input: child.stdout });
  const queue: string[] = [];
  const waiting: ((line: string) => void)[] = [];
  lines.on('line', (line) => (waiting.length > 0 ? waiting.shift()!(line) : queue.push(line)));
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) => reject(new Error(`events-clients exited with ${code}`))),
  );
  const next = () =>
    Promise.race([
      exited,
      new Promise<string>((resolve) => (queue.length > 0 ? resolve(queue.shift()!) : waiting.push(resolve))),
    ]);
  if ((await next()) !== 'ready') throw new Error('events-clients did not get ready');
  return {
    async measure(trigger) {
      child.stdin.write('arm\n');
      if ((await next()) !== 'armed') throw new Error('events-clients did not arm');
      const [, line] = await Promise.all([trigger(), next()]);
      return (JSON.parse(line) as { received: number[] }).received;
    },
    stop: () => child.kill('SIGTERM'),
  };
}

function summary(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.at(-1) ?? NaN };
}

async function operate(ferry: FerryServer, procedure: string, input: Record<string, string | number>) {
  const reply = await callTrpc(ferry.url, `rollouts.${procedure}`, { input, token: ferry.adminToken });
  if (reply.status !== 200) throw new Error(`rollouts.${procedure}: ${JSON.stringify(reply.body)}`);
}

async function publishBoth(ferry: FerryServer): Promise<void> {
  for (const version of ['1.0.0', '1.1.0']) {
    const dir = bundleVariant(tinyDir, (manifest) =>
      Object.assign(manifest, { name: settings.model, version }),
    );
    try {
      const reply = await publishOverHttp(ferry.url, ferry.adminToken, dir);
      if (reply.status !== 200) throw new Error(`publish failed: ${JSON.stringify(reply.body)}`);
    } finally {
      removeTempDir(dir);
    }
  }
}

/**
 * Ferry's rollback propagation to `count` streams: per round a rollout of 1.1.0 starts, then is
 * rolled back (the measured change: from its commit to each stream's receipt of the re-signed
 * document), then 1.1.0 is unblocked; every change reaches every stream before the
 * next. Returns the receipts and the server's memory growth per stream.
 */
async function ferryRounds(ferry: FerryServer, count: number, idle: number) {
  const model = settings.model;
  const clients = await startClients(`${ferry.url}/api/v1/events?models=${model}`, count);
  // From the idle server's RSS: earlier, smaller rounds' memory is kept by the allocator and reused.
  const perStream = (rss(ferry.child.pid as number) - idle) / count;
  const samples: number[] = [];
  try {
    for (let round = 0; round < settings.rollbacksPerSize; round += 1) {
      await clients.measure(() => operate(ferry, 'start', { model, candidate: '1.1.0', percent: 50 }));
      const received = await clients.measure(() => operate(ferry, 'rollback', { model }));
      // The rolled-back document's issuedAt is taken inside the transaction, just before commit.
      const envelope = (await (await fetch(`${ferry.url}/api/v1/models/${model}/control`)).json()) as {
        signed: { issuedAt: string };
      };
      const committed = Date.parse(envelope.signed.issuedAt);
      samples.push(...received.map((at) => at - committed));
      await clients.measure(() => operate(ferry, 'unblock', { model, version: '1.1.0' }));
    }
  } finally {
    clients.stop();
  }
  return { samples, perStream };
}

/** The bare broadcast of the same frame to `count` streams, as often as Ferry's rollbacks. */
async function bareRounds(frame: Buffer, frameFile: string, count: number) {
  const bare = await startChildServer('sse-baseline.ts', [frameFile]);
  try {
    const before = rss(bare.pid);
    const clients = await startClients(`${bare.url}/events`, count);
    const perStream = (rss(bare.pid) - before) / count;
    const samples: number[] = [];
    let sent = 0;
    const broadcast = async () => {
      sent = performance.timeOrigin + performance.now();
      const response = await fetch(`${bare.url}/broadcast`, { method: 'POST', body: new Uint8Array(frame) });
      if (response.status !== 204) throw new Error(`broadcast: ${response.status}`);
    };
    try {
      for (let round = 0; round < settings.rollbacksPerSize; round += 1) {
        const received = await clients.measure(broadcast);
        samples.push(...received.map((at) => at - sent));
      }
    } finally {
      clients.stop();
    }
    return { samples, perStream };
  } finally {
    bare.stop();
  }
}

/**
 * Rollback propagation over GET /api/v1/events (issue 9): 1, 1,000, 5,000 and 10,000 streams on
 * one Ferry process, held by a client process over loopback; each rollback is timed from its
 * commit to every stream's receipt of the newly signed document. Beside it, a bare node:http
 * SSE broadcast of the same frame to the same number of streams, and both servers' memory per
 * 1,000 streams.
 */
export async function eventsBenchmark(): Promise<BenchResult> {
  const ferry = await startFerryServer({ env: { FERRY_SSE_MAX_CONNECTIONS: '20000' } });
  const frameFile = path.join(ferry.dataDir, 'bench-frame.txt');
  try {
    await publishBoth(ferry);
    await operate(ferry, 'setStable', { model: settings.model, version: '1.0.0' });
    const body = await (await fetch(`${ferry.url}/api/v1/models/${settings.model}/control`)).text();
    const frame = Buffer.from(`id: 1\nevent: control\ndata: ${body}\n\n`);
    writeFileSync(frameFile, frame);
    const idle = rss(ferry.child.pid as number);
    const rows: BenchRow[] = [];
    for (const count of SIZES) {
      const ours = await ferryRounds(ferry, count, idle);
      const bare = await bareRounds(frame, frameFile, count);
      const [a, b] = [summary(ours.samples), summary(bare.samples)];
      const label = `${count.toLocaleString('en')} stream${count === 1 ? '' : 's'}`;
      for (const q of ['p50', 'p99', 'max'] as const) {
        rows.push(
          row(`rollback reaches ${label}, ${q}`, {
            unit: 'ms',
            ferry: a[q],
            baseline: b[q],
            better: 'lower',
          }),
        );
      }
      if (count === SIZES.at(-1)) {
        const mb = (perStream: number) => (perStream * 1000) / (1024 * 1024);
        rows.push(
          row(`server memory per 1,000 streams (at ${label})`, {
            unit: 'MiB',
            ferry: mb(ours.perStream),
            baseline: mb(bare.perStream),
            better: 'lower',
          }),
        );
      }
      console.log(`events: ${label} done`);
    }
    return {
      name: 'Rollback propagation over server-sent events',
      description: `One Ferry process holds the streams of GET /api/v1/events?models=${settings.model}, opened by a separate client process over loopback (raw sockets, ${settings.rollbacksPerSize} rollbacks per size). Each rollback (\`rollouts.rollback\` over tRPC) is timed from its commit (the signed document's issuedAt, taken inside the transaction just before COMMIT, to the millisecond) to each stream's receipt of the new document (wall clock, same machine); every stream counts, so p99 at 10,000 is the 9,900th receipt. Memory is the server's RSS with the 10,000 streams open less its RSS before any (each bare server is a fresh process), per 1,000. Goals (issue 9): p99 < 500 ms at 10,000 and at most 2x the bare broadcast.`,
      baseline:
        'a bare node:http SSE server (test/bench/sse-baseline.ts) writing the same frame to the same number of streams on POST /broadcast, timed from sending that POST',
      settings,
      rows,
    };
  } finally {
    await ferry.stop();
  }
}
