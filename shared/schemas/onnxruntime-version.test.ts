import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ONNXRUNTIME_VERSION } from './manifest.ts';

const root = path.resolve(import.meta.dirname, '..', '..');
const installed = (pkg: string): unknown =>
  (
    JSON.parse(readFileSync(path.join(root, 'node_modules', pkg, 'package.json'), 'utf8')) as {
      version: unknown;
    }
  ).version;
const declared = (pkg: string): unknown =>
  (
    JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
      dependencies: Record<string, unknown>;
    }
  ).dependencies[pkg];

// A compiled form loads only on the onnxruntime release that made it: the server's onnxruntime-node
// makes them and the worker's onnxruntime-web loads them, so both must be the release the manifest names.
describe('ONNXRUNTIME_VERSION', () => {
  it.each(['onnxruntime-web', 'onnxruntime-node'])(
    'is the %s that package.json pins and npm installed',
    (pkg) => {
      expect(declared(pkg)).toBe(ONNXRUNTIME_VERSION);
      expect(installed(pkg)).toBe(ONNXRUNTIME_VERSION);
    },
  );
});
