// Proof that a PID is still the process we started: its start time and command line from
// /proc (Linux), so a PID the kernel has reused for something else is never signalled.
import { readFileSync } from 'node:fs';

/** What identifies one process across PID reuse. */
export interface ProcessIdentity {
  pid: number;
  /** Field 22 of /proc/<pid>/stat (clock ticks since boot); null where /proc is absent. */
  startTime: string | null;
  /** /proc/<pid>/cmdline with NULs as spaces. */
  commandLine: string;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The identity of a running `pid`, or undefined when it is gone (or /proc cannot tell). */
export function identify(pid: number): ProcessIdentity | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses; fields after the last ')' are fixed.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const commandLine = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
    return { pid, startTime: fields[19] ?? null, commandLine };
  } catch {
    return isAlive(pid) ? { pid, startTime: null, commandLine: '' } : undefined;
  }
}

/** Whether `pid` is alive and provably the process `recorded` describes. */
export function isSameProcess(recorded: ProcessIdentity): boolean {
  const now = identify(recorded.pid);
  // PID and start time together are unique; the command line may change (a process title).
  return now !== undefined && now.startTime !== null && now.startTime === recorded.startTime;
}
