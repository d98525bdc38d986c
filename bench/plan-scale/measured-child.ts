import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

/**
 * The scale sections' measured processes: a child under tsx's CommonJS hook (not its CLI, which
 * would start a second process) whose peak RSS is the measured figure, reporting one JSON line.
 */

/** Runs `script` (with `args`) with `nodeOptions` and `env` added; the last line of its stdout, parsed. `what` names it in the error when it fails. */
export async function runMeasuredChild<T>(what: string, script: string, nodeOptions: readonly string[], env: Record<string, string>, args: readonly string[] = []): Promise<T> {
  const child = spawn(process.execPath, [...nodeOptions, '--require', require.resolve('tsx/cjs'), script, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) throw new Error(`the ${what} process exited with ${code}: ${stderr.trim().split('\n').slice(-5).join(' | ')}`);
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as T;
}

/** This process's peak resident set (VmHWM from /proc/self/status), in bytes; undefined where there is no /proc. */
export function vmHwmBytes(): number | undefined {
  let status: string;
  try {
    status = readFileSync('/proc/self/status', 'utf8');
  } catch {
    return undefined;
  }
  const line = status.split('\n').find((l) => l.startsWith('VmHWM:'));
  const kib = line ? Number(line.replace(/\D+/g, '')) : NaN;
  return Number.isFinite(kib) ? kib * 1024 : undefined;
}
