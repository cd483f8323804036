import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ModelList, ONNXRUNTIME_VERSION, ServerInfo, verifyManifest } from '$shared';
import { tinyDir } from '../../server/testing/tiny-bundle.ts';
import { publishWithCli } from '../support/ferry-cli.ts';
import { useFerryServer } from '../support/use-ferry-server.ts';

const server = useFerryServer();

describe('publish with the CLI, then fetch as a client would', () => {
  it('lists the published bundle, serves a manifest that verifies with the well-known key, and blobs that match their sha256', async () => {
    const run = await publishWithCli(server(), tinyDir);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('published tiny@1.0.0');

    const list = ModelList.parse(await (await fetch(`${server().url}/api/v1/models`)).json());
    const tiny = list.models.find((m) => m.name === 'tiny');
    expect(tiny).toMatchObject({ latest: '1.0.0', task: 'tabular-classification' });
    expect(tiny?.versions.map((v) => [v.version, v.status])).toEqual([['1.0.0', 'published']]);

    const info = ServerInfo.parse(await (await fetch(`${server().url}/.well-known/ferry.json`)).json());
    expect(info.publicKey).toBe(server().publicKey);
    const response = await fetch(`${server().url}/api/v1/models/tiny/versions/1.0.0/manifest`);
    expect(response.status).toBe(200);
    const manifest = await verifyManifest(await response.json(), {
      publicKey: info.publicKey,
      keyid: info.keyid,
    });
    expect(manifest).toMatchObject({ name: 'tiny', version: '1.0.0', status: 'published' });
    expect(manifest.files.map((f) => f.path).sort()).toEqual(['labels.txt', 'model.onnx']);

    // Each file, and the ONNX file's compiled form (server/compile/), by the digest the manifest signs.
    const compiled = manifest.files.flatMap((f) => (f.compiled ? [f.compiled] : []));
    expect(compiled).toEqual([expect.objectContaining({ format: 'ort', onnxruntime: ONNXRUNTIME_VERSION })]);
    for (const file of [...manifest.files, ...compiled]) {
      const blob = await fetch(`${server().url}/api/v1/blobs/${file.sha256}`);
      expect(blob.status).toBe(200);
      const bytes = new Uint8Array(await blob.arrayBuffer());
      expect(bytes.length).toBe(file.size);
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(file.sha256);
    }
  });

  it('resolves the latest alias to the same signed manifest', async () => {
    const exact = await (await fetch(`${server().url}/api/v1/models/tiny/versions/1.0.0/manifest`)).text();
    const latest = await (await fetch(`${server().url}/api/v1/models/tiny/versions/latest/manifest`)).text();
    expect(latest).toBe(exact);
  });
});
