import type { FerryClient, FerryStatus } from '$workers/client';

/** How often the demo asks the worker how its telemetry queue is doing. */
const POLL_MS = 2000;

/** The calls of a {@link FerryClient} that the watch makes. */
export interface TelemetryControls {
  status(): Promise<Pick<FerryStatus, 'telemetry'>>;
  flushTelemetry: FerryClient['flushTelemetry'];
  setTelemetry: FerryClient['setTelemetry'];
}

/**
 * The client's telemetry as reactive state, refreshed every {@link POLL_MS}, after a flush and
 * after a consent change: batches sealed, queued on the device and sent. `stop()` ends the polling.
 */
export class TelemetryWatch {
  status = $state<FerryStatus['telemetry'] | null>(null);
  /** The consent asked for and not yet confirmed by a status read after it (null when settled). */
  pending = $state<boolean | null>(null);
  /** Why the last consent change failed (null once one succeeds). */
  error = $state<string | null>(null);
  readonly #client: TelemetryControls;
  readonly #timer: ReturnType<typeof setInterval>;
  /** Status reads started, and the newest one shown: an older read answering late is dropped. */
  #asked = 0;
  #shown = 0;
  /** The newest consent asked for while a change is under way: only it is applied next. */
  #wanted: boolean | undefined;
  #applying = false;

  constructor(client: TelemetryControls) {
    this.#client = client;
    this.#timer = setInterval(() => void this.refresh(), POLL_MS);
    void this.refresh();
  }

  /** Reads the worker's status now; a status call that fails leaves the last one shown. */
  async refresh(): Promise<void> {
    const ticket = ++this.#asked;
    try {
      const { telemetry } = await this.#client.status();
      // A poll sent before a consent change may answer after the read that followed it.
      if (ticket < this.#shown) return;
      this.#shown = ticket;
      this.status = telemetry;
    } catch {
      // The worker is restarting or gone; the next poll tells.
    }
  }

  /** Seals what was counted so far into batches and starts sending them. */
  async flush(): Promise<void> {
    await this.#client.flushTelemetry().catch(() => undefined);
    await this.refresh();
  }

  /**
   * The user's consent, applied with `client.setTelemetry`: off deletes what was not sent and
   * nothing is sent after it; on again starts from nothing. Changes made while one is under way
   * are coalesced, so a switch flipped fast ends in the last position, without disabling it (a
   * disabled control would lose keyboard focus).
   */
  async setConsent(share: boolean): Promise<void> {
    this.#wanted = share;
    this.pending = share;
    if (this.#applying) return;
    this.#applying = true;
    try {
      while (this.#wanted !== undefined) {
        const next = this.#wanted;
        this.#wanted = undefined;
        try {
          await this.#client.setTelemetry(next);
          this.error = null;
        } catch (error) {
          this.error = error instanceof Error ? error.message : String(error);
        }
        if (this.#wanted === undefined) await this.refresh();
      }
    } finally {
      this.#applying = false;
      this.pending = null;
    }
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}
