import { createHash, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { tinyDir } from '../../server/testing/tiny-bundle.ts';
import { startFerryServer } from '../support/ferry-server.ts';
import { addFile, bundleVariant, removeTempDir } from '../support/bundles.ts';
import { publishOverHttp } from '../support/registry-http.ts';
import { alternateLoads } from './alternate-load.ts';
import { startChildServer } from './child-server.ts';
import { downloadLoad } from './download-load.ts';
import { latencyRows, row, type BenchResult } from './report.ts';

const BLOB_BYTES = 8 * 1024 * 1024;
const settings = {
  blobMiB: BLOB_BYTES / 1024 / 1024,
  blobConnections: 8,
  manifestConnections: 32,
  seconds: 8,
  manifestRounds: 4,
};

/** Manifest GETs on Ferry and the static server in alternating rounds, after a short warm-up of each. */
async function manifestLoads(urls: { ferry: string; baseline: string }) {
  const options = { connections: settings.manifestConnections };
  // JIT and page cache hot on both sides before measuring.
  await alternateLoads(urls, options, { rounds: 2, seconds: 1 });
  return alternateLoads(urls, options, { rounds: settings.manifestRounds, seconds: settings.seconds });
}

async function blobLoad(url: string) {
  await downloadLoad(url, { connections: settings.blobConnections, seconds: 1 });
  return downloadLoad(url, { connections: settings.blobConnections, seconds: settings.seconds });
}

/**
 * Blob download throughput and manifest latency under concurrent requests, Ferry (SvelteKit +
 * tRPC stack, SQLite lookup per request) against a plain Node static file server on the same bytes.
 */
export async function deliveryBenchmark(): Promise<BenchResult> {
  const sample = randomBytes(BLOB_BYTES);
  const dir = bundleVariant(tinyDir, (m, folder) => {
    addFile(m, folder, { path: 'sample.bin', bytes: sample, role: 'sample' });
  });
  const ferry = await startFerryServer();
  try {
    const published = await publishOverHttp(ferry.url, ferry.adminToken, dir);
    if (published.status !== 200) throw new Error(`publish failed: ${JSON.stringify(published.body)}`);
    const manifestUrl = `${ferry.url}/api/v1/models/tiny/versions/1.0.0/manifest`;
    const manifestFile = path.join(dir, 'manifest.json');
    writeFileSync(manifestFile, await (await fetch(manifestUrl)).text());
    const sampleFile = path.join(dir, 'sample.bin');
    const blobUrl = `${ferry.url}/api/v1/blobs/${createHash('sha256').update(sample).digest('hex')}`;
    const plain = await startChildServer('static-server.ts', [sampleFile, manifestFile]);
    try {
      const ferryBlob = await blobLoad(blobUrl);
      const plainBlob = await blobLoad(`${plain.url}/blob`);
      const manifests = await manifestLoads({ ferry: manifestUrl, baseline: `${plain.url}/manifest` });
      return {
        name: 'Blob download and manifest latency under concurrent requests',
        description: `${settings.blobConnections} concurrent clients download one ${settings.blobMiB} MiB blob in a loop (Node http client); ${settings.manifestConnections} concurrent clients fetch one signed manifest in a loop (autocannon, in ${settings.manifestRounds} alternating rounds of Ferry and the static server, so that other load on the machine falls on both alike; ${settings.seconds} s per side after a 1 s warm-up, same machine; blobs ${settings.seconds} s each, one after the other).`,
        baseline: 'a plain Node static file server (node:http + fs.createReadStream) serving the same files',
        settings,
        rows: [
          row('blob throughput', {
            unit: 'MiB/s',
            ferry: ferryBlob.mibPerSecond,
            baseline: plainBlob.mibPerSecond,
            better: 'higher',
          }),
          ...latencyRows(
            'blob download latency',
            { p50: ferryBlob.latencyP50, p99: ferryBlob.latencyP99 },
            { p50: plainBlob.latencyP50, p99: plainBlob.latencyP99 },
          ),
          row('manifest requests', {
            unit: 'req/s',
            ferry: manifests.ferry.perSecond,
            baseline: manifests.baseline.perSecond,
            better: 'higher',
          }),
          ...latencyRows('manifest latency', manifests.ferry.latency, manifests.baseline.latency),
        ],
      };
    } finally {
      plain.stop();
    }
  } finally {
    await ferry.stop();
    removeTempDir(dir);
  }
}
