import { controls } from '../db/schema.ts';
import { systemActor } from '../services/deps.ts';
import { publishVersion } from '../services/publish.ts';
import { createTempDeps } from '../testing/temp-deps.ts';
import { tinyManifest, uploadTiny } from '../testing/tiny-bundle.ts';
import { createSqliteControlStore } from './sqlite-control-store.ts';
import { describeControlStore } from './store-contract.ts';

describeControlStore('SQLite (better-sqlite3 on a temp file)', async () => {
  const deps = createTempDeps();
  const files = await uploadTiny(deps);
  for (const name of ['alpha', 'beta']) {
    await publishVersion(deps, { manifest: { ...tinyManifest(), name }, files }, systemActor);
  }
  // Publishing signs a first document; the contract starts from models without one.
  deps.db.delete(controls).run();
  return {
    store: createSqliteControlStore(deps.db),
    models: ['alpha', 'beta'],
    dispose: () => deps.dispose(),
  };
});
