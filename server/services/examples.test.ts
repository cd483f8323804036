import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTempDeps, type TempDeps } from '../testing/temp-deps.ts';
import { tinyDir } from '../testing/tiny-bundle.ts';
import { publishExamples } from './examples.ts';
import { listModels } from './registry.ts';

let deps: TempDeps;
let modelsDir: string;
beforeEach(() => {
  deps = createTempDeps();
  modelsDir = path.join(deps.dataDir, 'models');
  cpSync(tinyDir, path.join(modelsDir, 'tiny'), { recursive: true });
});
afterEach(() => deps.dispose());

describe('publishExamples', () => {
  it('publishes each bundle folder once and skips it on the next start', async () => {
    expect(await publishExamples(deps, modelsDir)).toEqual({
      published: ['tiny@1.0.0'],
      skipped: [],
      failed: [],
    });
    expect(await publishExamples(deps, modelsDir)).toEqual({
      published: [],
      skipped: ['tiny@1.0.0'],
      failed: [],
    });
    expect(listModels(deps.db).models.map((m) => m.name)).toEqual(['tiny']);
  });

  it('reports a broken example without stopping the others', async () => {
    mkdirSync(path.join(modelsDir, 'broken'));
    writeFileSync(path.join(modelsDir, 'broken', 'ferry.json'), '{"name": 1}');
    const report = await publishExamples(deps, modelsDir);
    expect(report.published).toEqual(['tiny@1.0.0']);
    expect(report.failed).toEqual([
      { dir: path.join(modelsDir, 'broken'), message: expect.stringContaining('ferry.json') },
    ]);
  });
});
