/// <reference lib="webworker" />
// The worker's entry, kept small: it starts onnxruntime-web as soon as the page's boot message
// names its settings (runtime/ort-boot.ts), and imports the rest of the worker (worker-main.ts)
// alongside. Chrome compiles a worker's top-level script afresh on every start, while a chunk it
// imports is compiled from V8's code cache: traced on a warm debian-sections reload, the old
// 212 kB entry took 17 ms to compile, the same code as a chunk 9 ms to deserialize.
import { bootRuntime, isBootMessage } from './runtime/ort-boot.ts';

export type { WorkerApi } from './worker-main.ts';

// onnxruntime-web's WASM threads start their own chunk as workers named "em-pthread", which
// import this entry's shared code; they must neither boot nor answer the page.
if (self.name !== 'em-pthread') {
  // Messages that arrive before the main module answers (init, a load, runs) are held, then
  // handed to it in order: nothing the page posts ahead is lost.
  const held: MessageEvent[] = [];
  const hold = (event: MessageEvent) => {
    if (isBootMessage(event.data)) bootRuntime(event.data.ferryBoot);
    else held.push(event);
  };
  self.addEventListener('message', hold);
  import('./worker-main.ts').then(
    ({ startWorker }) => {
      self.removeEventListener('message', hold);
      startWorker();
      for (const event of held) {
        self.dispatchEvent(new MessageEvent('message', { data: event.data, ports: [...event.ports] }));
      }
    },
    (error: unknown) => {
      // Thrown from a task of its own, the failure reaches the page as the worker's `error`
      // event, as a script that cannot start does (client/connection.ts: BACKEND_UNAVAILABLE).
      setTimeout(() => {
        throw error;
      });
    },
  );
}
