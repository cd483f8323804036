import { afterAll, beforeAll } from 'vitest';
import { startFerryServer, type FerryServer, type FerryServerOptions } from './ferry-server.ts';

/**
 * Starts one Ferry server before the tests of the calling file and stops it after them.
 * Returns a getter, valid inside tests and hooks.
 *
 * @example
 * const server = useFerryServer();
 * it('…', async () => { await fetch(`${server().url}/api/v1/models`); });
 */
export function useFerryServer(options: FerryServerOptions = {}): () => FerryServer {
  let server: FerryServer | undefined;
  beforeAll(async () => {
    server = await startFerryServer(options);
  });
  afterAll(async () => {
    await server?.stop();
  });
  return () => {
    if (!server) throw new Error('the Ferry server is not started yet (use it inside tests or hooks)');
    return server;
  };
}
