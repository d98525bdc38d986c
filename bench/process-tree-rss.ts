import * as fs from 'node:fs';

/**
 * Resident memory of a process tree, read from /proc. GNU time reports the peak of the largest
 * single process; a tool that fans work out to child processes would look smaller than it is, so
 * the bench also samples the sum over the tree (worker threads live in their process and are
 * counted either way).
 *
 * Sampled often at a small cost: the scan of /proc for the tree's processes (about
 * 12 ms here, a quarter of a core at a sample every 50 ms, taken from the measured command) runs
 * only every `rescanEvery` samples; between scans the processes last found are read (two reads
 * for a single-process tool). A child process that starts and ends between two scans is missed.
 */
export class TreeRssSampler {
  private pids: number[] = [];
  private samples = 0;

  constructor(
    private readonly rootPid: number,
    private readonly includeRoot: boolean,
    private readonly rescanEvery = 20,
  ) {}

  sample(): number {
    // Until the tree has a process to read (GNU time has not started the tool yet), every sample scans.
    if (this.samples++ % this.rescanEvery === 0 || this.pids.length === 0) {
      this.pids = descendants(this.rootPid);
      if (this.includeRoot) this.pids.push(this.rootPid);
    }
    let total = 0;
    for (const pid of this.pids) total += rssBytes(pid);
    return total;
  }
}

/**
 * /proc/<pid>/task/<tid>/children is not available on every kernel (it is not here), so the
 * parent links come from one scan of /proc/<pid>/stat: a few hundred small reads per scan.
 */
function descendants(rootPid: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readOrUndefined(`/proc/${name}/stat`);
    if (!stat) continue;
    // The command name is in parentheses and may contain spaces; fields resume after the last ')'.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    const list = children.get(ppid) ?? [];
    list.push(Number(name));
    children.set(ppid, list);
  }
  const out: number[] = [];
  const queue = [...(children.get(rootPid) ?? [])];
  while (queue.length > 0) {
    const pid = queue.shift() as number;
    out.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return out;
}

function rssBytes(pid: number): number {
  const status = readOrUndefined(`/proc/${pid}/status`);
  const match = status ? /^VmRSS:\s+(\d+) kB/m.exec(status) : null;
  return match ? Number(match[1]) * 1024 : 0;
}

/** Processes exit between listing and reading; a vanished one simply contributes nothing. */
function readOrUndefined(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'latin1');
  } catch {
    return undefined;
  }
}
