import { systemActor } from '../services/deps.ts';
import { publishVersion } from '../services/publish.ts';
import { registryQueries } from '../services/registry-queries.ts';
import { createTempDeps } from '../testing/temp-deps.ts';
import { tinyManifest, uploadTiny } from '../testing/tiny-bundle.ts';
import { createSqliteTelemetryStore } from './sqlite-store.ts';
import { describeTelemetryStore } from './store-contract.ts';

describeTelemetryStore('SQLite (better-sqlite3 on a temp file)', async () => {
  const deps = createTempDeps();
  const files = await uploadTiny(deps);
  const ids: number[] = [];
  for (const version of ['1.0.0', '2.0.0']) {
    await publishVersion(deps, { manifest: { ...tinyManifest(), version }, files }, systemActor);
    const row = registryQueries(deps.db).version.get({ name: 'tiny', version });
    if (!row) throw new Error(`tiny@${version} was not published`);
    ids.push(row.id);
  }
  return {
    store: createSqliteTelemetryStore(deps.db),
    versionIds: [ids[0] as number, ids[1] as number],
    dispose: () => deps.dispose(),
  };
});
