import { initFerry } from '$server/runtime.ts';
import { listModels } from '$server/services/registry.ts';
import { serverInfo } from '$server/services/server-info.ts';
import type { PageServerLoad } from './$types';

/**
 * The registry's models and this server's public key. The key is pinned into the page the way a
 * product team pins it into its app build: the client trusts nothing it fetches without it.
 */
export const load: PageServerLoad = async () => {
  const ferry = await initFerry();
  const { keyid, publicKey } = serverInfo(ferry);
  const models = listModels(ferry.deps.db).models.filter((m) => m.latest !== null);
  return { keyid, publicKey, models };
};
