import { readFileSync } from 'node:fs';

/**
 * Field 22 of /proc/<pid>/stat (clock ticks after boot), undefined without /proc or when no process
 * has the pid. A pid comes back after its process ended (a killed cloud's or demo's pid is given to
 * whatever starts next); the pair of pid and start time does not, so files that name a process by
 * pid record both.
 */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 2 (the command) is in parentheses and may hold spaces: count from the last ')', field 3 on.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}
