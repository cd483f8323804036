import { beforeAll, describe, expect, it } from 'vitest';
import { LATENCY_EDGES_MS, RolloutComparison } from '$shared';
import { spike, telemetryBatch } from '../../server/testing/telemetry-batch.ts';
import { tinyDir } from '../../server/testing/tiny-bundle.ts';
import { bundleVariant, removeTempDir } from '../support/bundles.ts';
import { runFerryCli } from '../support/ferry-cli.ts';
import { callTrpc, publishOverHttp } from '../support/registry-http.ts';
import { useFerryServer } from '../support/use-ferry-server.ts';

// Issue 9, point 5: stable and candidate side by side, from real batches ingested for each version.
const server = useFerryServer({ env: { FERRY_TELEMETRY_RATE_PER_MINUTE: '0' } });
let operator = '';
const BINS = LATENCY_EDGES_MS.length + 1;

const compare = (input: Record<string, unknown>, token = operator) =>
  callTrpc(server().url, 'rollouts.compare', { input: { model: 'tiny', ...input }, token, query: true });

async function ingest(batch: unknown) {
  const response = await fetch(`${server().url}/api/v1/telemetry`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(batch),
  });
  expect(response.status, await response.clone().text()).toBe(200);
}

beforeAll(async () => {
  for (const version of ['1.0.0', '1.1.0']) {
    const dir = bundleVariant(tinyDir, (m) => void (m.version = version));
    try {
      expect((await publishOverHttp(server().url, server().adminToken, dir)).status).toBe(200);
    } finally {
      removeTempDir(dir);
    }
  }
  const created = await callTrpc(server().url, 'tokens.create', {
    input: { name: 'on call', scopes: ['operator'] },
    token: server().adminToken,
  });
  operator = (created.body.result?.data as { token: string }).token;
  const call = (procedure: string, input: unknown) =>
    callTrpc(server().url, procedure, { input, token: operator });
  expect((await call('rollouts.setStable', { model: 'tiny', version: '1.0.0' })).status).toBe(200);
  // Stable traffic from before the rollout: outside the default range, inside an explicit one.
  const twoHoursAgo = new Date(Date.now() - 2 * 3600_000);
  const minute = new Date(Math.floor(twoHoursAgo.getTime() / 60_000) * 60_000).toISOString();
  await ingest(
    telemetryBatch({ version: '1.0.0', runs: 1000, features: [], windowStart: minute, windowEnd: minute }),
  );
  const started = await call('rollouts.start', { model: 'tiny', candidate: '1.1.0', percent: 25 });
  expect(started.status).toBe(200);
  // Since the rollout: stable runs 90 times on wasm (latency bin 10), twice failing; the
  // candidate 30 times, 20 on wasm in bin 20 and 10 on webgpu in bin 5, 6 failing, one warm load.
  for (let i = 0; i < 3; i++) {
    await ingest(
      telemetryBatch({
        version: '1.0.0',
        runs: 30,
        features: [],
        errors: i === 0 ? { INFERENCE_FAILED: 2 } : {},
      }),
    );
  }
  await ingest(
    telemetryBatch({ version: '1.1.0', runs: 30, features: [] }, (b) => {
      b.errors = { INFERENCE_FAILED: 3, BACKEND_UNAVAILABLE: 3 };
      b.latencyMs = { wasm: spike(BINS, 20, 20), webgpu: spike(BINS, 5, 10) };
      b.loads = { ...b.loads, cold: 0, warm: 1 };
      b.environment.backend = { wasm: 20, webgpu: 10 };
    }),
  );
});

describe('rollouts.compare and ferry rollout status', () => {
  it('shows the stable and candidate telemetry since the rollout started side by side, with the rollout', async () => {
    const reply = await compare({});
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    const comparison = RolloutComparison.parse(reply.body.result?.data);
    expect(comparison.rollout).toMatchObject({ candidate: '1.1.0', percent: 25, basisPoints: 2500 });
    expect(Date.parse(comparison.since)).toBeLessThanOrEqual(Date.parse(comparison.rollout!.startedAt));
    expect(comparison.stable).toMatchObject({
      version: '1.0.0',
      runs: 90,
      batches: 3,
      errors: { INFERENCE_FAILED: 2 },
      loads: { cold: 3, warm: 0 },
    });
    expect(comparison.stable!.errorRate.INFERENCE_FAILED).toBeCloseTo(2 / 90, 12);
    expect(comparison.candidate).toMatchObject({
      version: '1.1.0',
      runs: 30,
      errors: { INFERENCE_FAILED: 3, BACKEND_UNAVAILABLE: 3 },
      loads: { cold: 0, warm: 1 },
    });
    expect(comparison.candidate!.errorRate.BACKEND_UNAVAILABLE).toBeCloseTo(0.1, 12);
    expect(comparison.candidate!.backendMix.webgpu).toBeCloseTo(1 / 3, 12);
    // Every run of a backend fell in one bin, so its p50 and p95 lie between that bin's edges.
    const within = (value: number | null | undefined, bin: number) => {
      expect(value).toBeGreaterThanOrEqual(LATENCY_EDGES_MS[bin - 1]!);
      expect(value).toBeLessThanOrEqual(LATENCY_EDGES_MS[bin]!);
    };
    within(comparison.stable!.latencyMs.wasm?.p50, 10);
    within(comparison.candidate!.latencyMs.wasm?.p95, 20);
    within(comparison.candidate!.latencyMs.webgpu?.p50, 5);
    expect(comparison.candidate!.latencyMs.webgpu?.runs).toBe(10);
  });

  it('reads an explicit range for both sides, and refuses a reversed one naming since', async () => {
    const since = new Date(Date.now() - 3 * 3600_000).toISOString();
    const wide = RolloutComparison.parse((await compare({ since })).body.result?.data);
    expect(wide.since).toBe(since);
    expect(wide.stable?.runs).toBe(1090);
    expect(wide.candidate?.runs).toBe(30);
    const reversed = await compare({ since: new Date().toISOString(), until: since });
    expect(reversed.status).toBe(400);
    expect(reversed.body.error?.message).toContain('since');
    const unknown = await callTrpc(server().url, 'rollouts.compare', {
      input: { model: 'nope' },
      token: operator,
      query: true,
    });
    expect([unknown.status, unknown.body.error?.data.ferryCode]).toEqual([404, 'MODEL_NOT_FOUND']);
  });

  it('prints the side-by-side table, and the comparison under telemetry with --json', async () => {
    const env = { FERRY_SERVER: server().url, FERRY_TOKEN: operator };
    const human = await runFerryCli(['rollout', 'status', 'tiny'], env);
    expect(human.code, human.stderr).toBe(0);
    const lines = human.stdout.split('\n').map((line) => line.trim().split(/\s{2,}/));
    expect(lines).toContainEqual(['stable 1.0.0', 'candidate 1.1.0']);
    expect(lines).toContainEqual(['runs', '90', '30']);
    expect(lines).toContainEqual(['errors BACKEND_UNAVAILABLE', '0 (0%)', '3 (10%)']);
    expect(lines).toContainEqual(['loads cold / warm', '3 / 0', '0 / 1']);
    expect(lines.some((cells) => cells[0] === 'latency webgpu p50' && cells[1] === '–')).toBe(true);
    const json = await runFerryCli(['rollout', 'status', 'tiny', '--json', '--since', '3h'], env);
    expect(json.code, json.stderr).toBe(0);
    const parsed = JSON.parse(json.stdout) as { rollout: unknown; telemetry: unknown };
    expect(parsed.rollout).toMatchObject({ candidate: '1.1.0' });
    expect(RolloutComparison.parse(parsed.telemetry).stable?.runs).toBe(1090);
  });

  it('compares nothing on a side without a version: no rollout, no candidate', async () => {
    expect(
      (await callTrpc(server().url, 'rollouts.promote', { input: { model: 'tiny' }, token: operator }))
        .status,
    ).toBe(200);
    const after = RolloutComparison.parse((await compare({})).body.result?.data);
    expect(after).toMatchObject({ rollout: null, candidate: null, stable: { version: '1.1.0', runs: 30 } });
  });
});
