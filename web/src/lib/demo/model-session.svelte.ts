import type { SampleSet } from '$shared/schemas/samples.ts';
import { loadSamples } from './samples';
import type {
  Assignment,
  FerryClient,
  FerryModel,
  LoadProgress,
  ModelInfo,
  RunInput,
  RunResult,
  VersionChange,
} from '$workers/client';

/**
 * One model of the demo as reactive state: load progress, what it runs on, the last result and
 * its latency. Runs are serialised and coalesced: while one runs, only the newest input waits, so
 * a slider dragged fast never queues up stale work.
 */
export class ModelSession {
  readonly name: string;
  progress = $state<LoadProgress | null>(null);
  info = $state<ModelInfo | null>(null);
  error = $state<{ code: string; message: string } | null>(null);
  result = $state<RunResult | null>(null);
  /** What rollout control assigns this device, live (null until ready). */
  assignment = $state<Assignment | null>(null);
  /** Every version switch since the page opened, newest first, with when it happened. */
  changes = $state<(VersionChange & { at: number })[]>([]);
  /** Counts finished runs, so the page (and its tests) can tell a new result from an old one. */
  runs = $state(0);
  readonly #model: FerryModel;
  #pending: RunInput | undefined;
  #running = false;
  #samples: Promise<SampleSet | undefined> | undefined;

  constructor(client: FerryClient, name: string) {
    this.name = name;
    this.#model = client.model(name);
    this.#model.on('progress', (p) => (this.progress = p));
    this.#model.on('error', (e) => (this.error = { code: e.code, message: e.message }));
    this.#model.on('assignment', (assignment) => {
      this.assignment = assignment;
      this.info = this.#model.info ?? this.info;
    });
    this.#model.on('versionChanged', (change) => {
      this.changes = [{ ...change, at: Date.now() }, ...this.changes].slice(0, 20);
      this.info = this.#model.info ?? this.info;
    });
    this.#model.ready().then(
      (info) => {
        this.info = info;
        this.assignment = info.assignment;
      },
      () => undefined, // reported through the 'error' event
    );
  }

  /** Resolves once the model is ready (rejects with its load error). */
  ready(): Promise<ModelInfo> {
    return this.#model.ready();
  }

  /** The verified bytes of one of the bundle's files, from the same cache the model loaded from. */
  file(path: string): Promise<Uint8Array> {
    return this.#model.file(path);
  }

  /** The bundle's held-out samples, read and parsed once per session. */
  samples(): Promise<SampleSet | undefined> {
    this.#samples ??= loadSamples(this);
    return this.#samples;
  }

  /** Runs every input in turn (no coalescing: each run counts in telemetry); how many succeeded. */
  async runEach(inputs: readonly RunInput[]): Promise<number> {
    let ok = 0;
    for (const input of inputs) {
      try {
        await this.#model.run(input);
        ok++;
      } catch {
        // Counted by telemetry as an error; the demo shows the total that ran.
      }
    }
    this.runs++;
    return ok;
  }

  /** Runs `input`, or replaces the input waiting behind the run in flight. */
  async run(input: RunInput): Promise<void> {
    this.#pending = input;
    if (this.#running) return;
    this.#running = true;
    try {
      while (this.#pending !== undefined) {
        const next = this.#pending;
        this.#pending = undefined;
        try {
          this.result = await this.#model.run(next);
          this.error = null;
        } catch (error) {
          const { code = 'INTERNAL', message = String(error) } = error as { code?: string; message?: string };
          this.error = { code, message };
        }
        this.runs++;
      }
    } finally {
      this.#running = false;
    }
  }
}
