import type { Page } from 'playwright-core';
import type { Assignment, VersionChange } from '../../../workers/types.ts';
import { callTrpc } from '../../support/registry-http.ts';

/** A FerryError as the control page saw it. */
export interface PageError {
  code: string;
  message: string;
}

/** What handle `key` of the control page runs now and every event it saw. */
export interface HandleState {
  version: string | null;
  assignment: Assignment | null;
  versionChanges: (VersionChange & { at: number })[];
  assignments: Assignment[];
  errors: PageError[];
}

/** Typed access to test/e2e/pages/control.mjs in `page`. */
export function controlPage(page: Page) {
  const call = <R>(method: string, args: unknown[]) =>
    page.evaluate(
      ([name, list]) => {
        const target = (window as unknown as { control: Record<string, (...a: unknown[]) => unknown> })
          .control;
        return target[name]!(...list);
      },
      [method, args] as const,
    ) as Promise<R>;
  return {
    async goto(siteUrl: string) {
      await page.goto(`${siteUrl}control.html`);
      await page.waitForFunction(() => 'control' in window);
    },
    open: (id: string, options: Record<string, unknown>) => call<void>('open', [id, options]),
    /** Loads `name` on client `client` as handle `key` (a channel request unless `version` is given). */
    load: (key: string, request: { client: string; name: string; selector?: { version?: string } }) =>
      call<{ ok: boolean; version?: string; assignment?: Assignment; error?: PageError }>('load', [
        key,
        request,
      ]),
    state: (key: string) => call<HandleState>('state', [key]),
    run: (key: string) => call<{ ok: boolean; error?: PageError }>('run', [key]),
    startLoop: (key: string) => call<void>('startLoop', [key]),
    stopLoop: (key: string) => call<{ runs: number; failures: PageError[] }>('stopLoop', [key]),
    deviceId: () => call<string | null>('deviceId', []),
    terminate: (client: string) => call<void>('terminate', [client]),
    /** Waits (no time limit of its own: the test's timeout applies) until `key` saw `count` version changes. */
    async versionChanges(key: string, count: number) {
      await page.waitForFunction(
        ([k, n]) =>
          (
            window as unknown as { control: { state(k: string): { versionChanges: unknown[] } } }
          ).control.state(k).versionChanges.length >= n,
        [key, count] as const,
        { timeout: 0, polling: 20 },
      );
      return (await call<HandleState>('state', [key])).versionChanges;
    },
    /** Waits until `key` saw an error with `code`. */
    async error(key: string, code: string) {
      await page.waitForFunction(
        ([k, c]) =>
          (window as unknown as { control: { state(k: string): { errors: { code: string }[] } } }).control
            .state(k)
            .errors.some((e) => e.code === c),
        [key, code] as const,
        { timeout: 0, polling: 20 },
      );
      return (await call<HandleState>('state', [key])).errors;
    },
    /** Waits until `key` saw at least `count` errors, and answers them all. */
    async errors(key: string, count: number) {
      await page.waitForFunction(
        ([k, n]) =>
          (window as unknown as { control: { state(k: string): { errors: unknown[] } } }).control.state(k)
            .errors.length >= n,
        [key, count] as const,
        { timeout: 0, polling: 20 },
      );
      return (await call<HandleState>('state', [key])).errors;
    },
    /** Waits until `key` was assigned `version` for `reason` (an `assignment` event). */
    async assigned(key: string, expected: { version: string | null; reason: string }) {
      await page.waitForFunction(
        ([k, v, r]) =>
          (
            window as unknown as {
              control: { state(k: string): { assignments: { version: string | null; reason: string }[] } };
            }
          ).control
            .state(k)
            .assignments.some((a) => a.version === v && a.reason === r),
        [key, expected.version, expected.reason] as const,
        { timeout: 0, polling: 20 },
      );
    },
    /** Waits until `key` has run at least `count` times in its loop. */
    async loopRuns(key: string, count: number) {
      await page.waitForFunction(
        ([k, n]) =>
          (window as unknown as { control: { loopRuns(k: string): number } }).control.loopRuns(k) >= n,
        [key, count] as const,
        { timeout: 0, polling: 20 },
      );
    },
  };
}

/** Calls a `rollouts.*` mutation with the admin token; throws with the server's answer unless 200. */
export async function rollout(
  server: { url: string; adminToken: string },
  operation: 'start' | 'setPercentage' | 'promote' | 'rollback' | 'setStable' | 'block' | 'unblock',
  input: Record<string, unknown>,
): Promise<unknown> {
  const reply = await callTrpc(server.url, `rollouts.${operation}`, { input, token: server.adminToken });
  if (reply.status !== 200)
    throw new Error(`rollouts.${operation}: ${reply.status} ${JSON.stringify(reply.body)}`);
  return reply.body.result?.data;
}

/** The model's current control envelope as the server serves it (to replay it later). */
export async function controlEnvelope(serverUrl: string, model: string): Promise<string> {
  const response = await fetch(`${serverUrl}/api/v1/models/${model}/control`);
  if (!response.ok) throw new Error(`control of ${model}: ${response.status}`);
  return response.text();
}

/** Resolves once `condition` holds, checking every 20 ms (no time limit of its own: the test's timeout applies). */
export async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 20));
}
