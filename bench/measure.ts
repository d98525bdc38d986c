import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { TreeRssSampler } from './process-tree-rss';
import { aptInstall, commandWorks } from './system-package';

export type CommandSpec = {
  readonly command: string;
  readonly args: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
};

export type Measurement = {
  readonly argv: readonly string[];
  readonly exitCode: number | null;
  readonly signal: string | null;
  /** Spawn to exit, measured by the bench with a monotonic clock. */
  readonly wallSeconds: number;
  /** CPU seconds of the command and its children, from GNU time (absent without it). */
  readonly userSeconds?: number;
  readonly systemSeconds?: number;
  /** max(GNU time's maximum RSS, sampled peak of the summed RSS of the process tree). */
  readonly peakRssBytes: number;
  readonly gnuTimeMaxRssBytes?: number;
  readonly sampledTreeRssBytes: number;
  /**
   * CPU seconds that other processes (not the command, not the bench) used while it ran, from
   * /proc/stat: the machine is shared, and a busy neighbour slows whichever tool it overlaps.
   */
  readonly otherCpuSeconds?: number;
  readonly stdout: string;
  readonly stderrTail: string;
};

const GNU_TIME = '/usr/bin/time';
const SAMPLE_INTERVAL_MS = 50;
const STDOUT_LIMIT = 16 << 20;
const STDERR_TAIL = 4096;

/**
 * GNU time, installed with apt when missing; undefined when that fails too, in which case peak RSS
 * comes from /proc sampling alone (which can miss a peak shorter than the 50 ms interval).
 */
export function resolveGnuTime(): string | undefined {
  if (commandWorks(GNU_TIME, ['--version'])) return GNU_TIME;
  try {
    aptInstall('time', `${GNU_TIME} (GNU time, for the peak RSS of each command) is missing`);
  } catch (err) {
    process.stderr.write(`bench: could not install GNU time (${(err as Error).message}); peak RSS is sampled from /proc only\n`);
    return undefined;
  }
  return commandWorks(GNU_TIME, ['--version']) ? GNU_TIME : undefined;
}

/**
 * Runs a command to completion and measures it. Peak RSS takes two views and keeps the larger:
 * GNU time's `%M` (the kernel's exact high-water mark, but of the largest single process) and the
 * sum of VmRSS over the process tree sampled every 50 ms (catches fan-out to child processes).
 */
export function runMeasured(spec: CommandSpec, gnuTime: string | undefined): Promise<Measurement> {
  const statsFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-bench-')), 'time.txt');
  const argv = gnuTime
    ? [gnuTime, '-f', '%e %U %S %M', '-o', statsFile, spec.command, ...spec.args]
    : [spec.command, ...spec.args];
  return new Promise((resolve, reject) => {
    const cpuBefore = machineBusySeconds();
    const selfBefore = process.cpuUsage();
    const started = process.hrtime.bigint();
    const child = spawn(argv[0] as string, argv.slice(1), {
      cwd: spec.cwd,
      env: spec.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let sampled = 0;
    let wallSeconds = 0;
    child.stdout.setEncoding('utf8').on('data', (s: string) => {
      if (stdout.length < STDOUT_LIMIT) stdout += s;
    });
    child.stderr.setEncoding('utf8').on('data', (s: string) => {
      stderr = (stderr + s).slice(-STDERR_TAIL);
    });
    // The wrapper's own few MiB are not the measured command's.
    const sampler = child.pid !== undefined ? new TreeRssSampler(child.pid, !gnuTime) : undefined;
    const sample = (): void => {
      if (sampler) sampled = Math.max(sampled, sampler.sample());
    };
    const timer = setInterval(sample, SAMPLE_INTERVAL_MS);
    sample();
    child.on('error', (err) => {
      clearInterval(timer);
      reject(err);
    });
    let busySeconds: number | undefined;
    let selfSeconds = 0;
    child.on('exit', () => {
      wallSeconds = Number(process.hrtime.bigint() - started) / 1e9;
      clearInterval(timer);
      const cpuAfter = machineBusySeconds();
      busySeconds = cpuBefore !== undefined && cpuAfter !== undefined ? cpuAfter - cpuBefore : undefined;
      const self = process.cpuUsage(selfBefore);
      selfSeconds = (self.user + self.system) / 1e6;
    });
    child.on('close', (code, signal) => {
      const timed = gnuTime ? parseGnuTime(statsFile) : undefined;
      const otherCpuSeconds =
        timed && busySeconds !== undefined ? Math.max(0, busySeconds - timed.user - timed.system - selfSeconds) : undefined;
      fs.rmSync(path.dirname(statsFile), { recursive: true, force: true });
      // GNU time exits with the command's status, or reports "Command terminated by signal N".
      resolve({
        argv: [spec.command, ...spec.args],
        exitCode: code,
        signal,
        wallSeconds,
        ...(timed ? { userSeconds: timed.user, systemSeconds: timed.system, gnuTimeMaxRssBytes: timed.maxRssBytes } : {}),
        peakRssBytes: Math.max(sampled, timed?.maxRssBytes ?? 0),
        sampledTreeRssBytes: sampled,
        ...(otherCpuSeconds !== undefined ? { otherCpuSeconds } : {}),
        stdout,
        stderrTail: stderr,
      });
    });
  });
}

/** Seconds all CPUs have spent not idle since boot (steal included: a hypervisor's neighbours count too). */
export function machineBusySeconds(): number | undefined {
  try {
    const line = fs.readFileSync('/proc/stat', 'latin1').split('\n')[0] ?? '';
    // cpu user nice system idle iowait irq softirq steal ...; in USER_HZ ticks, 100 per second on Linux.
    const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
    const busy = [user, nice, system, irq, softirq, steal].reduce<number>((sum, v) => sum + (v ?? 0), 0);
    return busy / 100;
  } catch {
    return undefined;
  }
}

function parseGnuTime(file: string): { user: number; system: number; maxRssBytes: number } | undefined {
  if (!fs.existsSync(file)) return undefined;
  // A failed command adds a "Command exited with non-zero status" line before the format line.
  const last = fs.readFileSync(file, 'utf8').trim().split('\n').pop() ?? '';
  const [, user, system, maxRssKiB] = last.split(' ').map(Number);
  if (user === undefined || system === undefined || maxRssKiB === undefined || [user, system, maxRssKiB].some(Number.isNaN)) return undefined;
  return { user, system, maxRssBytes: maxRssKiB * 1024 };
}

/** A one-line reason a measured command failed, for the report. */
export function failureOf(m: Measurement): string | undefined {
  if (m.exitCode === 0) return undefined;
  const how = m.signal ? `killed by ${m.signal}` : `exit ${m.exitCode}`;
  const tail = m.stderrTail.trim().split('\n').slice(-3).join(' | ');
  return `${path.basename(m.argv[0] ?? '')} ${m.argv.slice(1, 3).join(' ')}: ${how}${tail ? `: ${tail}` : ''}`;
}
