import { initFerry } from '$server/runtime.ts';
import { listModels } from '$server/services/registry.ts';
import { serverInfo } from '$server/services/server-info.ts';
import type { PageServerLoad } from './$types';

/** The registry as an admin sees it: every model and version, whatever its status, and the signing key. */
export const load: PageServerLoad = async () => {
  const ferry = await initFerry();
  return { info: serverInfo(ferry), models: listModels(ferry.deps.db).models };
};
