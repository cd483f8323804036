import { Agent, get } from 'node:http';
import { percentile } from './report.ts';

/** What {@link downloadLoad} measured. */
export interface DownloadLoad {
  mibPerSecond: number;
  requestsPerSecond: number;
  latencyP50: number;
  latencyP99: number;
}

function once(url: string, agent: Agent): Promise<number> {
  return new Promise((resolve, reject) => {
    get(url, { agent }, (res) => {
      if (res.statusCode !== 200) reject(new Error(`${url}: status ${res.statusCode}`));
      let bytes = 0;
      res.on('data', (chunk: Buffer) => (bytes += chunk.length));
      res.on('end', () => resolve(bytes));
      res.on('error', reject);
    }).on('error', reject);
  });
}

/**
 * Downloads `url` in a loop on `connections` keep-alive connections for `seconds`, discarding the
 * bytes. autocannon parses bodies in JavaScript and tops out near 50 MiB/s here, below what either
 * server delivers; Node's own HTTP client (llhttp) does not, so large downloads are measured with it.
 */
export async function downloadLoad(url: string, options: { connections: number; seconds: number }) {
  const agent = new Agent({ keepAlive: true, maxSockets: options.connections });
  const latencies: number[] = [];
  let bytes = 0;
  const started = performance.now();
  const deadline = started + options.seconds * 1000;
  const loop = async () => {
    while (performance.now() < deadline) {
      const t = performance.now();
      // Not `bytes += await …`: that reads `bytes` before awaiting and loses the other loops' counts.
      const received = await once(url, agent);
      bytes += received;
      latencies.push(performance.now() - t);
    }
  };
  await Promise.all(Array.from({ length: options.connections }, loop));
  const elapsed = (performance.now() - started) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return {
    mibPerSecond: bytes / 1024 / 1024 / elapsed,
    requestsPerSecond: latencies.length / elapsed,
    latencyP50: percentile(latencies, 50),
    latencyP99: percentile(latencies, 99),
  } satisfies DownloadLoad;
}
