import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { TELEMETRY_MAX_BYTES, type TelemetryBatch } from '../../shared/index.ts';
import { minuteOf, telemetryBatch, tinyReference } from '../../server/testing/telemetry-batch.ts';
import { tinyDir } from '../../server/testing/tiny-bundle.ts';
import type { TelemetrySummary } from '../../server/telemetry/summary.ts';
import { bundleVariant, removeTempDir } from '../support/bundles.ts';
import { callTrpc, publishOverHttp } from '../support/registry-http.ts';
import { useFerryServer } from '../support/use-ferry-server.ts';

const ORIGIN = 'https://app.example';
// Every request names its own client address through the trusted loopback proxy, so that the rate
// limit (5 at once, then 6 a minute) is tested on its own and stays out of the other tests' way.
// The ingest thread on whatever the cores (auto leaves it off on a 2-core machine), so that this
// suite runs ingest through it; the e2e tests run the default.
const env = {
  FERRY_TELEMETRY_INGEST_THREAD: 'on',
  FERRY_ALLOWED_ORIGINS: ORIGIN,
  FERRY_TRUSTED_PROXIES: '127.0.0.1',
  FERRY_TELEMETRY_RATE_PER_MINUTE: '6',
  FERRY_TELEMETRY_RATE_BURST: '5',
};
const freshAddress = () =>
  `198.51.100.${randomBytes(1)[0]}, 203.0.113.${randomBytes(2).readUInt16BE() % 250}`;

type Body = { status?: string; error?: { code: string; message: string } };

async function post(
  url: string,
  body: string | TelemetryBatch | ReadableStream<Uint8Array>,
  headers: Record<string, string> = {},
) {
  const payload = typeof body === 'string' || body instanceof ReadableStream ? body : JSON.stringify(body);
  const response = await fetch(`${url}/api/v1/telemetry`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': freshAddress(), ...headers },
    body: payload,
    ...(payload instanceof ReadableStream ? { duplex: 'half' } : {}),
  } as RequestInit);
  return { response, body: (await response.json()) as Body };
}

function variant(version: string) {
  return bundleVariant(tinyDir, (manifest) => {
    manifest.version = version;
    manifest.reference = tinyReference;
  });
}

async function publish(url: string, token: string, version: string) {
  const dir = variant(version);
  try {
    const reply = await publishOverHttp(url, token, dir);
    if (reply.status !== 200) throw new Error(`publish ${version}: ${JSON.stringify(reply.body)}`);
  } finally {
    removeTempDir(dir);
  }
}

async function summary(url: string, token: string, input: Record<string, unknown>) {
  const reply = await callTrpc(url, 'telemetry.summary', { input, token, query: true });
  if (reply.status !== 200) throw new Error(`summary: ${reply.status} ${JSON.stringify(reply.body)}`);
  return reply.body.result?.data as TelemetrySummary;
}

describe('POST /api/v1/telemetry', () => {
  const server = useFerryServer({ env });
  let readToken = '';
  const url = () => server().url;
  const runsOf = async (version: string) =>
    (await summary(url(), server().adminToken, { model: 'tiny', version })).versions[0]?.runs;

  beforeAll(async () => {
    await publish(url(), server().adminToken, '1.0.0');
    await publish(url(), server().adminToken, '1.1.0');
    const created = await callTrpc(url(), 'tokens.create', {
      input: { name: 'dashboard', scopes: ['read'] },
      token: server().adminToken,
    });
    readToken = (created.body.result?.data as { token: string }).token;
  });

  describe('accepted batches', () => {
    it('accepts a valid batch and shows it in telemetry.summary', async () => {
      const batch = telemetryBatch({ runs: 10 }, (b) => {
        b.errors = { INFERENCE_FAILED: 2 };
        b.environment.backend = { wasm: 8 };
      });
      const { response, body } = await post(url(), batch);
      expect(response.status).toBe(200);
      expect(body).toEqual({ status: 'accepted' });
      const result = await summary(url(), readToken, { model: 'tiny', version: '1.0.0' });
      const version = result.versions[0];
      expect(result.versions).toHaveLength(1);
      expect(version).toMatchObject({
        version: '1.0.0',
        runs: 10,
        batches: 1,
        errors: { INFERENCE_FAILED: 2 },
      });
      expect(version?.errorRate.INFERENCE_FAILED).toBeCloseTo(0.2, 12);
      expect(version?.backendMix).toEqual({ wasm: 1 });
      expect(version?.loads).toMatchObject({ cold: 1, warm: 0, bytesDownloaded: 1000 });
      // All 10 runs fell in latency bin 10, so both quantiles lie inside that bin.
      const wasm = version?.latencyMs.wasm;
      expect(wasm?.runs).toBe(10);
      expect(wasm?.p50).toBeGreaterThan(0);
      expect(wasm?.p95).toBeGreaterThanOrEqual(wasm?.p50 ?? Infinity);
      expect(version?.series).toEqual([
        {
          start: new Date(batch.windowStart).toISOString(),
          granularity: 'minute',
          runs: 10,
          runsPerMinute: 10,
          errors: 2,
        },
      ]);
    });

    it('answers duplicate to a replayed batch and does not count it again', async () => {
      const before = (await runsOf('1.0.0')) ?? 0;
      const batch = telemetryBatch({ runs: 3 });
      expect((await post(url(), batch)).body).toEqual({ status: 'accepted' });
      const replay = await post(url(), batch);
      expect(replay.response.status).toBe(200);
      expect(replay.body).toEqual({ status: 'duplicate' });
      expect(await runsOf('1.0.0')).toBe(before + 3);
    });

    it('accepts text/plain, as navigator.sendBeacon sends it', async () => {
      const before = (await runsOf('1.0.0')) ?? 0;
      const { response } = await post(url(), telemetryBatch({ runs: 4 }), {
        'content-type': 'text/plain;charset=UTF-8',
      });
      expect(response.status).toBe(200);
      expect(await runsOf('1.0.0')).toBe(before + 4);
    });

    it('shows every version side by side when no version is asked for', async () => {
      await post(url(), telemetryBatch({ runs: 5, version: '1.1.0' }));
      const result = await summary(url(), server().adminToken, { model: 'tiny' });
      expect(result.versions.map((v) => v.version)).toEqual(['1.1.0', '1.0.0']);
      expect(result.versions[0]?.runs).toBe(5);
    });
  });

  describe('refused batches: 4xx naming the field, nothing stored', () => {
    const version = '1.1.0';
    let before = 0;
    beforeAll(async () => {
      before = (await runsOf(version)) ?? 0;
    });
    afterAll(async () => {
      expect(await runsOf(version)).toBe(before);
    });
    const refused = async (
      body: Parameters<typeof post>[1],
      [status, code, message]: [number, string, RegExp],
      headers?: Record<string, string>,
    ) => {
      const reply = await post(url(), body, headers);
      expect(reply.response.status).toBe(status);
      expect(reply.body.error?.code).toBe(code);
      expect(reply.body.error?.message).toMatch(message);
    };
    const batch = (edit: (b: TelemetryBatch) => void) => telemetryBatch({ runs: 7, version }, edit);

    it('refuses malformed JSON with 400', async () => {
      await refused('{"schemaVersion": 1,', [400, 'INVALID_INPUT', /^body: not valid JSON/]);
    });

    it('refuses schema violations with 400 naming the field', async () => {
      await refused(
        batch((b) => void (b.runs = -1)),
        [400, 'INVALID_INPUT', /^runs: /],
      );
      await refused(
        batch((b) => void (b.batchId = 'device-42')),
        [400, 'INVALID_INPUT', /^batchId: /],
      );
      await refused(
        batch((b) => Object.assign(b, { userAgent: 'Mozilla/5.0' })),
        [400, 'INVALID_INPUT', /userAgent/],
      );
      await refused('[]', [400, 'INVALID_INPUT', /^body: /]);
    });

    it("refuses counts that do not fit the version's reference profile and labels, naming the field", async () => {
      await refused(
        batch((b) => void (b.features[1] = { name: 'b', counts: [1, 2, 3] })),
        [400, 'INVALID_INPUT', /^features\.1\.counts: tiny@1\.1\.0's "b" takes 6 counts/],
      );
      await refused(
        batch((b) => void (b.features[0] = { name: 'z', counts: [0, 0, 0, 0, 0, 0] })),
        [400, 'INVALID_INPUT', /^features\.0\.name: "z" is not a feature/],
      );
      await refused(
        batch((b) => void (b.predictions!.counts = [1, 2])),
        [400, 'INVALID_INPUT', /^predictions\.counts: tiny@1\.1\.0 has 3 labels/],
      );
    });

    it('refuses a window that starts well ahead of the server clock', async () => {
      const future = minuteOf(new Date(Date.now() + 3600_000));
      await refused(
        batch((b) => Object.assign(b, { windowStart: future, windowEnd: future })),
        [400, 'INVALID_INPUT', /^windowStart: .* ahead of the server's clock/],
      );
    });

    it('answers 404 with its code for an unknown model or version', async () => {
      await refused(
        batch((b) => void (b.model = 'nope')),
        [404, 'MODEL_NOT_FOUND', /^model: "nope"/],
      );
      await refused(
        batch((b) => void (b.version = '9.9.9')),
        [404, 'BUNDLE_NOT_FOUND', /^version: .*"9\.9\.9"/],
      );
    });

    it('refuses a body over the cap with 413, by Content-Length and when chunked', async () => {
      const huge = JSON.stringify(batch((b) => void (b.features[0]!.name = 'x'.repeat(TELEMETRY_MAX_BYTES))));
      await refused(huge, [413, 'PAYLOAD_TOO_LARGE', /./]);
      const bytes = new TextEncoder().encode(huge);
      const chunked = new ReadableStream<Uint8Array>({
        start(controller) {
          for (let i = 0; i < bytes.length; i += 8192) controller.enqueue(bytes.subarray(i, i + 8192));
          controller.close();
        },
      });
      await refused(chunked, [413, 'PAYLOAD_TOO_LARGE', /./]);
    });

    it('refuses other content types with 415 naming Content-Type', async () => {
      const body = JSON.stringify(batch(() => {}));
      await refused(
        body,
        [415, 'UNSUPPORTED_MEDIA_TYPE', /^Content-Type: .*"application\/x-www-form-urlencoded"/],
        {
          'content-type': 'application/x-www-form-urlencoded',
        },
      );
      const response = await fetch(`${url()}/api/v1/telemetry`, {
        method: 'POST',
        body: new Blob([body]),
        headers: { 'x-forwarded-for': freshAddress() },
      });
      expect(response.status).toBe(415);
      expect(((await response.json()) as Body).error?.message).toMatch(/^Content-Type: .* absent/);
    });

    it('answers 405 with Allow to other methods', async () => {
      const response = await fetch(`${url()}/api/v1/telemetry`);
      expect(response.status).toBe(405);
      expect(response.headers.get('allow')).toBe('POST');
      expect(((await response.json()) as Body).error?.code).toBe('METHOD_NOT_ALLOWED');
    });
  });

  it('answers 429 with Retry-After once a client address is past its rate', async () => {
    const address = `192.0.2.${randomBytes(1)[0]}`;
    const statuses: number[] = [];
    let last: Response | undefined;
    for (let i = 0; i < 6; i++) {
      last = (await post(url(), telemetryBatch({ runs: 1 }), { 'x-forwarded-for': address })).response;
      statuses.push(last.status);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    expect(Number(last?.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // Another address is not held back by that one.
    expect((await post(url(), telemetryBatch({ runs: 1 }))).response.status).toBe(200);
  });

  describe('CORS', () => {
    it('answers a preflight from an allowed origin with POST and Content-Type', async () => {
      const response = await fetch(`${url()}/api/v1/telemetry`, {
        method: 'OPTIONS',
        headers: {
          origin: ORIGIN,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type',
        },
      });
      expect(response.status).toBe(204);
      expect(response.headers.get('access-control-allow-origin')).toBe(ORIGIN);
      expect(response.headers.get('access-control-allow-methods')).toContain('POST');
      expect(response.headers.get('access-control-allow-headers')).toMatch(/content-type/i);
    });

    it('sends CORS headers to an allowed origin (Retry-After exposed) and none to others', async () => {
      const allowed = await post(url(), telemetryBatch({ runs: 1 }), { origin: ORIGIN });
      expect(allowed.response.headers.get('access-control-allow-origin')).toBe(ORIGIN);
      expect(allowed.response.headers.get('access-control-expose-headers')).toContain('Retry-After');
      const other = await post(url(), telemetryBatch({ runs: 1 }), { origin: 'https://evil.example' });
      expect(other.response.status).toBe(200);
      expect(other.response.headers.get('access-control-allow-origin')).toBeNull();
    });

    it('takes a cross-site text/plain POST (sendBeacon) without a CSRF refusal', async () => {
      const { response, body } = await post(url(), telemetryBatch({ runs: 1 }), {
        origin: ORIGIN,
        'content-type': 'text/plain;charset=UTF-8',
      });
      expect(response.status).toBe(200);
      expect(body).toEqual({ status: 'accepted' });
    });
  });

  describe('telemetry.summary', () => {
    it('needs a token with read (admin implies it)', async () => {
      const input = { model: 'tiny' };
      expect((await callTrpc(url(), 'telemetry.summary', { input, query: true })).status).toBe(401);
      const publish = await callTrpc(url(), 'tokens.create', {
        input: { name: 'ci', scopes: ['publish'] },
        token: server().adminToken,
      });
      const publishToken = (publish.body.result?.data as { token: string }).token;
      expect(
        (await callTrpc(url(), 'telemetry.summary', { input, query: true, token: publishToken })).status,
      ).toBe(403);
      expect(
        (await callTrpc(url(), 'telemetry.summary', { input, query: true, token: readToken })).status,
      ).toBe(200);
    });

    it('answers 404 for an unknown model or version', async () => {
      const reply = await callTrpc(url(), 'telemetry.summary', {
        input: { model: 'tiny', version: '7.0.0' },
        query: true,
        token: readToken,
      });
      expect(reply.status).toBe(404);
      expect(reply.body.error?.data.ferryCode).toBe('BUNDLE_NOT_FOUND');
    });
  });
});

describe('retention', () => {
  // Minute buckets older than a minute are rolled up, checked every 200 ms.
  const server = useFerryServer({
    env: {
      FERRY_TELEMETRY_INGEST_THREAD: 'on',
      FERRY_TELEMETRY_ROLLUP_INTERVAL_MS: '200',
      FERRY_TELEMETRY_MINUTE_RETENTION_MS: '60000',
      FERRY_TELEMETRY_DEDUP_RETENTION_MS: '3600000',
    },
  });

  it('rolls minute buckets past the retention into hour buckets, keeping the counts and the dedup record', async () => {
    await publish(server().url, server().adminToken, '1.0.0');
    const old = minuteOf(new Date(Date.now() - 5 * 60_000));
    const batch = telemetryBatch({ runs: 6 }, (b) => Object.assign(b, { windowStart: old, windowEnd: old }));
    expect((await post(server().url, batch)).body).toEqual({ status: 'accepted' });
    await vi.waitFor(
      async () => {
        const result = await summary(server().url, server().adminToken, {
          model: 'tiny',
          since: new Date(Date.now() - 3 * 3600_000).toISOString(),
        });
        expect(result.versions[0]?.series.map((p) => [p.granularity, p.runs])).toEqual([['hour', 6]]);
      },
      { timeout: 20_000, interval: 100 },
    );
    expect((await post(server().url, batch)).body).toEqual({ status: 'duplicate' });
  });
});
