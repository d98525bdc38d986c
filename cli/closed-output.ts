import { type EventEmitter } from 'node:events';

/** 128 + SIGPIPE (13): what a shell reports for a process its closed output pipe ended. */
export const EXIT_OUTPUT_CLOSED = 141;

/**
 * What the CLI does when the reader of its stdout or stderr goes away (`lifeboat … 2>&1 | head`): writes then fail
 * with EPIPE (Node ignores SIGPIPE). A command that only reads and prints stops at once and quietly, as Unix tools do,
 * with the exit code it has so far (0 if nothing failed). A workflow running in this process must not be killed that
 * way: ended mid-run, its execution stayed RUNNING and a backup's lease held the plan for a day, and the exit code
 * was 0. So while a run has registered a stop (`stopOnClose`), a closed output calls that stop instead (the run
 * ends as after a first Ctrl-C) and the command's exit code becomes EXIT_OUTPUT_CLOSED. After a run has ended, the
 * command finishes printing into the dead pipe (each write is dropped) and keeps its own exit code: its result is
 * known, only the printing is lost.
 */
export class ClosedOutputGuard {
  private readonly stops = new Set<() => void>();
  private ranWorkflow = false;
  private closedDuringRun = false;

  constructor(private readonly exit: (code: number) => void) {}

  /** Handles the stream's EPIPE from now on; any other error of the stream stays an error. */
  watch(stream: EventEmitter): void {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE') throw err;
      this.closed();
    });
  }

  /** While a workflow runs: a closed output calls `stop` (once per close) instead of ending the process. Returns the removal. */
  stopOnClose(stop: () => void): () => void {
    this.ranWorkflow = true;
    this.stops.add(stop);
    return () => {
      this.stops.delete(stop);
    };
  }

  /** EXIT_OUTPUT_CLOSED once the output closed while a workflow ran: replaces the command's own code, so pipefail sees it. */
  exitCodeOverride(): number | undefined {
    return this.closedDuringRun ? EXIT_OUTPUT_CLOSED : undefined;
  }

  private closed(): void {
    if (this.stops.size > 0) {
      this.closedDuringRun = true;
      for (const stop of [...this.stops]) stop();
      return;
    }
    if (this.ranWorkflow) return;
    this.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
  }
}

/** The process's own guard: bin/lifeboat.ts watches stdout and stderr with it, the workflow runs register their stops. */
export const processOutput = new ClosedOutputGuard((code) => process.exit(code));
