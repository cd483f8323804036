import type { ControlChange } from '../events/bus.ts';
import type { ServiceDeps } from '../services/deps.ts';
import { changeOf } from './control-document.ts';
import { signControl } from './sign-control.ts';
import { createSqliteControlStore } from './sqlite-control-store.ts';
import { writeTransaction } from '../db/write-transaction.ts';

type ResignDeps = Pick<ServiceDeps, 'db' | 'signer' | 'controlLifetimeMs' | 'events'>;

/**
 * Signs a first control document (`lastChange: created`) for every model that has versions but
 * none yet: databases from before issue 9 at their first start. One transaction; each new
 * document is published on the bus after it commits. Returns the models signed.
 */
export function backfillControl(deps: ResignDeps): string[] {
  const changes = writeTransaction(deps.db, (tx) =>
    createSqliteControlStore(tx)
      .unsigned()
      .map((model) => signControl(tx, deps, { model, lastChange: changeOf('created') })),
  );
  for (const change of changes) deps.events.publish(change);
  return changes.map((change) => change.model);
}

/**
 * Re-signs, each in its own transaction, every document with less than half its lifetime left at
 * `now`: a new metadataVersion and `expires`, the same state and `lastChange`. Publishes each
 * change after its commit and returns them.
 */
export function resignExpiring(deps: ResignDeps, now: Date = new Date()): ControlChange[] {
  const threshold = new Date(now.getTime() + deps.controlLifetimeMs / 2).toISOString();
  const changes: ControlChange[] = [];
  for (const model of createSqliteControlStore(deps.db).expiringBefore(threshold)) {
    const change = writeTransaction(deps.db, (tx) => signControl(tx, deps, { model }));
    deps.events.publish(change);
    changes.push(change);
  }
  return changes;
}

/** A running re-signer; `stop` is idempotent. */
export interface Resigner {
  stop(): void;
}

/**
 * Runs {@link resignExpiring} now and every `intervalMs`. A failed round is logged and retried on
 * the next tick: the documents stay valid until `expires`, which is at least half a lifetime away.
 */
export function startResigner(deps: ResignDeps, intervalMs: number): Resigner {
  const round = () => {
    try {
      resignExpiring(deps);
    } catch (error) {
      console.error('ferry: re-signing control documents failed; retrying next round', error);
    }
  };
  round();
  const timer = setInterval(round, intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
