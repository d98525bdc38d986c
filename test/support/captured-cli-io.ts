import { type CliIo } from '../../cli/cli-io';

/**
 * What a command run in-process printed through its CliIo: `out` (stdout) and `err` (stderr) lines in
 * the order written. Pass `io` to the command.
 */
export type CapturedCliIo = { out: string[]; err: string[]; io: CliIo };

export function capturedCliIo(): CapturedCliIo {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (line) => out.push(line), err: (line) => err.push(line) } };
}

/**
 * The same capture as a CliIo itself, for tests that hand the object straight to a command
 * (`{ io: recordingCliIo() }`) and then read `lines` (stdout) and `errors` (stderr).
 */
export function recordingCliIo(): CliIo & { lines: string[]; errors: string[] } {
  const { out, err, io } = capturedCliIo();
  return { ...io, lines: out, errors: err };
}

/** The stream a workflow command draws its progress line on (deps.stderr of backup, restore, failover, …). */
export type ProgressStream = { isTTY?: boolean; write(s: string): boolean };

/**
 * For the commands that take `{ io, stderr }`: `stderr` is not a TTY, so the progress display writes a
 * line per change of state instead of redrawing one, and what it wrote is kept in `stderr`.
 */
export function capturedCliDeps(): CapturedCliIo & { stderr: string[]; deps: { io: CliIo; stderr: ProgressStream } } {
  const captured = capturedCliIo();
  const stderr: string[] = [];
  const stream: ProgressStream = {
    isTTY: false,
    write: (s) => {
      stderr.push(s);
      return true;
    },
  };
  return { ...captured, stderr, deps: { io: captured.io, stderr: stream } };
}
