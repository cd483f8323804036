import type { FerryClient, TelemetryStatus } from '$workers/client';

/** How often the demo asks the worker how its telemetry queue is doing. */
const POLL_MS = 2000;

/**
 * The client's telemetry as reactive state, refreshed every {@link POLL_MS} and after a flush:
 * batches sealed, queued on the device and sent. `stop()` ends the polling.
 */
export class TelemetryWatch {
  status = $state<TelemetryStatus | { enabled: false } | null>(null);
  readonly #client: FerryClient;
  readonly #timer: ReturnType<typeof setInterval>;

  constructor(client: FerryClient) {
    this.#client = client;
    this.#timer = setInterval(() => void this.refresh(), POLL_MS);
    void this.refresh();
  }

  /** Reads the worker's status now; a status call that fails leaves the last one shown. */
  async refresh(): Promise<void> {
    try {
      this.status = (await this.#client.status()).telemetry;
    } catch {
      // The worker is restarting or gone; the next poll tells.
    }
  }

  /** Seals what was counted so far into batches and starts sending them. */
  async flush(): Promise<void> {
    await this.#client.flushTelemetry().catch(() => undefined);
    await this.refresh();
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}
