import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { callTrpc } from '../support/registry-http.ts';
import { startFerryServer, type FerryServer } from '../support/ferry-server.ts';
import { median, row, type BenchResult } from './report.ts';

const settings = { calls: 1000, rounds: 7, probeTarget: '/.well-known/ferry.json' };

/** One keep-alive GET; resolves with its latency in ms. */
function timedGet(agent: Agent, url: string, headers: Record<string, string> = {}): Promise<number> {
  const start = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, headers }, (response) => {
      response.resume();
      response.on('end', () => resolve(performance.now() - start));
      response.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * Sends one batch of `calls` × `procedure` while a second connection probes the server back to
 * back with tiny GETs; the longest probe is how long the batch kept the server from answering.
 */
async function blockedBy(server: FerryServer, procedure: string | null, token: string | null) {
  const paths = Array.from({ length: settings.calls }, () => procedure).join(',');
  const probeUrl = `${server.url}${settings.probeTarget}`;
  // Without a procedure the "batch" is one more probe: the machine's own noise floor.
  const batchUrl = procedure === null ? probeUrl : `${server.url}/api/trpc/${paths}?batch=1`;
  const probeAgent = new Agent({ keepAlive: true, maxSockets: 1 });
  const batchAgent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    // Warm both connections so neither measurement includes a TCP handshake.
    await timedGet(probeAgent, probeUrl);
    await timedGet(batchAgent, probeUrl);
    const latencies: number[] = [];
    let done = false;
    const probing = (async () => {
      // Probe until the batch is answered, then a few more so its aftermath is seen too.
      let after = 0;
      while (after < 5) {
        latencies.push(await timedGet(probeAgent, probeUrl));
        if (done) after += 1;
      }
    })();
    const headers: Record<string, string> = token === null ? {} : { authorization: `Bearer ${token}` };
    const batchMs = await timedGet(batchAgent, batchUrl, headers);
    done = true;
    await probing;
    return { maxProbeMs: Math.max(...latencies), batchMs };
  } finally {
    probeAgent.destroy();
    batchAgent.destroy();
  }
}

async function measure(server: FerryServer, procedure: string | null, token: string | null) {
  const runs = [];
  for (let i = 0; i < settings.rounds; i++) runs.push(await blockedBy(server, procedure, token));
  return {
    maxProbeMs: median(runs.map((r) => r.maxProbeMs)),
    batchMs: median(runs.map((r) => r.batchMs)),
  };
}

async function publishToken(server: FerryServer): Promise<string> {
  const reply = await callTrpc(server.url, 'tokens.create', {
    input: { name: 'bench publish', scopes: ['publish'] },
    token: server.adminToken,
  });
  const token = (reply.body.result?.data as { token?: string } | undefined)?.token;
  if (!token) throw new Error(`tokens.create failed: ${JSON.stringify(reply.body)}`);
  return token;
}

/**
 * How long one 1,000-call tRPC batch keeps the server from answering anyone else: Ferry as
 * configured (batches bounded at 50, lastUsedAt written at most once a minute) against the same
 * build with the batch limit raised to 100,000 and lastUsedAt written on every lookup, which
 * runs all 1,000 calls as before this change.
 */
export async function trpcBatchBenchmark(): Promise<BenchResult> {
  const ferry = await startFerryServer();
  const unbounded = await startFerryServer({
    env: { FERRY_TRPC_MAX_BATCH: '100000', FERRY_TOKEN_LAST_USED_INTERVAL_MS: '0' },
  });
  try {
    const tokens = { ferry: await publishToken(ferry), unbounded: await publishToken(unbounded) };
    const floor = {
      ferry: await measure(ferry, null, null),
      unbounded: await measure(unbounded, null, null),
    };
    const publicQuery = {
      ferry: await measure(ferry, 'server.info', null),
      unbounded: await measure(unbounded, 'server.info', null),
    };
    const anonymous = {
      ferry: await measure(ferry, 'tokens.list', null),
      unbounded: await measure(unbounded, 'tokens.list', null),
    };
    const wrongScope = {
      ferry: await measure(ferry, 'tokens.list', tokens.ferry),
      unbounded: await measure(unbounded, 'tokens.list', tokens.unbounded),
    };
    return {
      name: 'Event-loop time blocked by one 1,000-call tRPC batch',
      description: `One GET batch of ${settings.calls} × tokens.list (admin scope) is sent while a second keep-alive connection requests ${settings.probeTarget} back to back; the longest of those probes is how long the batch kept the server from answering anyone else. Median over ${settings.rounds} rounds; the server.info row is a 1,000-call batch of a public query, for scale.`,
      baseline:
        'the same build with FERRY_TRPC_MAX_BATCH=100000 and FERRY_TOKEN_LAST_USED_INTERVAL_MS=0, which runs every call of the batch as before the limit (the token is still looked up once per request: that part of the old cost is not reproducible by configuration)',
      settings,
      rows: [
        row('longest probe, no token (1,000 × 401 before)', {
          unit: 'ms',
          ferry: anonymous.ferry.maxProbeMs,
          baseline: anonymous.unbounded.maxProbeMs,
          better: 'lower',
        }),
        row('batch answer time, no token', {
          unit: 'ms',
          ferry: anonymous.ferry.batchMs,
          baseline: anonymous.unbounded.batchMs,
          better: 'lower',
        }),
        row('longest probe, wrong-scope token (1,000 × 403 before)', {
          unit: 'ms',
          ferry: wrongScope.ferry.maxProbeMs,
          baseline: wrongScope.unbounded.maxProbeMs,
          better: 'lower',
        }),
        row('batch answer time, wrong-scope token', {
          unit: 'ms',
          ferry: wrongScope.ferry.batchMs,
          baseline: wrongScope.unbounded.batchMs,
          better: 'lower',
        }),
        row('longest probe, 1,000 × server.info (public)', {
          unit: 'ms',
          ferry: publicQuery.ferry.maxProbeMs,
          baseline: publicQuery.unbounded.maxProbeMs,
          better: 'lower',
        }),
        row('longest probe, no batch (noise floor of this machine)', {
          unit: 'ms',
          ferry: floor.ferry.maxProbeMs,
          baseline: floor.unbounded.maxProbeMs,
          better: 'lower',
        }),
      ],
    };
  } finally {
    await Promise.all([ferry.stop(), unbounded.stop()]);
  }
}
