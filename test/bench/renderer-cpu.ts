// CPU time of the Chromium renderers this benchmark process started, thread by thread, from Linux's
// /proc: what a page and its workers cost in CPU whatever else runs on the machine, which wall
// times on a shared machine do not show (e.g. onnxruntime's pool threads spinning after a run).
import { readdirSync, readFileSync } from 'node:fs';
import { statFieldsAfterName } from '../support/process-cpu.ts';

/** The CPU time (ms) each thread of this process's Chromium renderers used so far, by thread id (Linux /proc). */
function rendererThreadsMs(): Map<string, number> {
  const parentOf = (pid: string) => statFieldsAfterName(`/proc/${pid}/stat`)[1];
  const ours = (pid: string) => {
    for (let p: string | undefined = pid, depth = 0; p && p !== '1' && depth < 16; depth++) {
      if (p === String(process.pid)) return true;
      p = parentOf(p);
    }
    return false;
  };
  const times = new Map<string, number>();
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('--type=renderer') || !ours(pid)) continue;
      for (const tid of readdirSync(`/proc/${pid}/task`)) {
        const ns = Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
        times.set(`${pid}/${tid}`, ns / 1e6);
      }
    } catch {
      // a process or thread that ended while being read
    }
  }
  return times;
}

/** CPU (ms) the renderers' threads used while `work` ran, threads that ended meanwhile aside. */
export async function rendererCpuMs(work: () => Promise<unknown>): Promise<number> {
  const before = rendererThreadsMs();
  await work();
  let spent = 0;
  for (const [thread, ms] of rendererThreadsMs()) spent += ms - (before.get(thread) ?? 0);
  return spent;
}
