import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { tinyDir } from '../../server/testing/tiny-bundle.ts';
import { bundleVariant, removeTempDir } from '../support/bundles.ts';
import { publishWithCli } from '../support/ferry-cli.ts';
import { useFerryServer } from '../support/use-ferry-server.ts';
import { publishOverHttp } from '../support/registry-http.ts';

const server = useFerryServer();

describe('publishing refuses bad bundles before anything is visible', () => {
  it('answers 409 VERSION_EXISTS when the same version is published again, and the CLI exits 5', async () => {
    const first = await publishOverHttp(server().url, server().adminToken, tinyDir);
    expect(first.status).toBe(200);
    const again = await publishOverHttp(server().url, server().adminToken, tinyDir);
    expect(again.status).toBe(409);
    expect(again.body.error?.data.ferryCode).toBe('VERSION_EXISTS');
    expect(again.body.error?.message).toBe('version: tiny@1.0.0 is already published');
    const cli = await publishWithCli(server(), tinyDir);
    expect(cli.code).toBe(5);
    expect(cli.stderr).toContain('tiny@1.0.0 is already published');
  });

  it('answers 400 naming the input when the declared inputs differ from the ONNX graph', async () => {
    const dir = bundleVariant(tinyDir, (m) => {
      m.version = '2.0.0';
      (m.signature as { inputs: { name: string }[] }).inputs[0]!.name = 'pixels';
      (m.preprocessing as { input: string }).input = 'pixels';
    });
    onTestFinished(() => removeTempDir(dir));
    const reply = await publishOverHttp(server().url, server().adminToken, dir);
    expect(reply.status).toBe(400);
    expect(reply.body.error?.data.ferryCode).toBe('SIGNATURE_MISMATCH');
    expect(reply.body.error?.message).toBe(
      'signature.inputs[0].name: declared "pixels" but model.onnx has "features"',
    );
    const cli = await publishWithCli(server(), dir);
    expect(cli.code).toBe(3);
    expect(cli.stderr).toContain('declared "pixels"');
  });

  it('answers 400 naming the file when an ONNX file is truncated', async () => {
    const dir = bundleVariant(tinyDir, (m, folder) => {
      m.version = '3.0.0';
      const model = path.join(folder, 'model.onnx');
      writeFileSync(model, readFileSync(model).subarray(0, 120));
    });
    onTestFinished(() => removeTempDir(dir));
    const reply = await publishOverHttp(server().url, server().adminToken, dir);
    expect(reply.status).toBe(400);
    expect(reply.body.error?.data.ferryCode).toBe('ONNX_INVALID');
    expect(reply.body.error?.message).toMatch(/^model\.onnx: not a loadable ONNX model/);
  });

  it('answers 400 naming the field when ferry.json breaks the schema, and the CLI refuses it locally', async () => {
    const dir = bundleVariant(tinyDir, (m) => {
      m.version = 'latest-and-greatest';
    });
    onTestFinished(() => removeTempDir(dir));
    const reply = await publishOverHttp(server().url, server().adminToken, dir);
    expect(reply.status).toBe(400);
    expect(reply.body.error?.message).toMatch(/^manifest\.version: must be a semantic version/);
    const cli = await publishWithCli(server(), dir);
    expect(cli.code).toBe(3);
    expect(cli.stderr).toMatch(/ferry\.json: version: must be a semantic version/);
  });

  it('left none of the refused versions visible', async () => {
    const list = (await (await fetch(`${server().url}/api/v1/models`)).json()) as {
      models: { versions: { version: string }[] }[];
    };
    expect(list.models.flatMap((m) => m.versions.map((v) => v.version))).toEqual(['1.0.0']);
  });
});
