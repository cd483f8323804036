import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** CPU seconds (user + system) a process has used so far, from /proc (Linux). */
export interface CpuTime {
  /** Every thread of the process, those that have exited included. */
  process: number;
  /** The main thread alone: where a Node server's JavaScript and its event loop run. */
  mainThread: number;
}

let ticksPerSecond: number | undefined;

/**
 * The fields of a /proc `stat` file after the command name: index 0 is proc(5)'s field 3 (state),
 * 1 its field 4 (ppid), and so on.
 */
export function statFieldsAfterName(file: string): string[] {
  const stat = readFileSync(file, 'utf8');
  // The command name, field 2, is in parentheses and may hold spaces: count fields after it.
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** utime + stime of a /proc `stat` file (fields 14 and 15 of proc(5)), in seconds. */
function secondsOf(file: string): number {
  ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }));
  const fields = statFieldsAfterName(file);
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
}

/** The CPU time process `pid` has used so far; throws where /proc does not exist. */
export function cpuTimeOf(pid: number): CpuTime {
  return {
    process: secondsOf(`/proc/${pid}/stat`),
    mainThread: secondsOf(`/proc/${pid}/task/${pid}/stat`),
  };
}
