import { type ClosedOutputGuard, processOutput } from './closed-output';

/** The same signal again within this long is the first one delivered twice (tsx's CLI relays the terminal's Ctrl-C), not a second Ctrl-C. */
export const DUPLICATE_SIGNAL_MS = 1000;

export type StopOnSignalsOptions = {
  /** What the first signal stops, for its line: "the execution", "the demo". */
  stopping: string;
  write: (line: string) => void;
  /** Ends the process at once (a second signal); tests pass their own. */
  kill?: (signal: NodeJS.Signals) => void;
  now?: () => number;
  /** Whose closed output (EPIPE) stops the run too; tests pass their own. @default processOutput */
  output?: ClosedOutputGuard;
};

/**
 * A local run's Ctrl-C, for the commands that run executions inside this process (a workflow command, the demo): the
 * first SIGINT or SIGTERM aborts `stop` (with the signal as its reason), so the running execution ends ABORTED and
 * gives back what it holds (a backup's lease) while the local cloud still runs, and the command stops the cloud it
 * started. A second signal kills at once, as a second Ctrl-C does in most tools: the escape when the clean-up hangs
 * (without it, the execution's history stays RUNNING and a lease holds the plan until it expires). The same signal
 * within DUPLICATE_SIGNAL_MS of the first is that one delivered twice and is ignored. The listeners stay until the
 * returned removal runs, after the clean-up: with none left, tsx's relayed copy of the first Ctrl-C (or Node's
 * default) ended the process mid-clean-up. A closed output pipe (`lifeboat backup 2>&1 | head` once head has its
 * lines) stops the run as a first signal does, SIGPIPE its reason (cli/closed-output.ts): ended at once instead, the
 * execution stayed RUNNING with the plan's lease held. The user's first signal after it is still their first, and only
 * says the run is already stopping; their second kills. Their first used to kill: with `2>&1 | head` the warning had
 * gone into the closed pipe, so a user whose prompt had not come back pressed Ctrl-C once and lost the clean-up.
 */
export function stopOnSignals(stop: AbortController, options: StopOnSignalsOptions): () => void {
  const now = options.now ?? Date.now;
  const kill = options.kill ?? ((signal: NodeJS.Signals) => process.kill(process.pid, signal));
  let first: { signal: NodeJS.Signals; at: number } | undefined;
  // Only the first stop: the output closing again (stdout after stderr) is the same event, not a second Ctrl-C.
  const removeOutputStop = (options.output ?? processOutput).stopOnClose(() => {
    if (first !== undefined) return;
    first = { signal: 'SIGPIPE', at: now() };
    options.write(`\nSIGPIPE: the output's reader went away; stopping ${options.stopping} (the running execution ends ABORTED and gives back what it holds); Ctrl-C twice kills at once, without that\n`);
    stop.abort('SIGPIPE');
  });
  const remove = (): void => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    removeOutputStop();
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    if (first?.signal === 'SIGPIPE') {
      first = { signal, at: now() };
      // To the stream that may still have a reader (stderr when only stdout was piped); with both closed it is lost,
      // which is why this signal must not kill.
      options.write(`\n${signal}: already stopping ${options.stopping} (the output's reader went away); ${signal === 'SIGINT' ? 'Ctrl-C again' : 'the signal again'} kills at once, without that\n`);
      return;
    }
    if (first === undefined) {
      first = { signal, at: now() };
      options.write(`\n${signal}: stopping ${options.stopping} (the running execution ends ABORTED and gives back what it holds); ${signal === 'SIGINT' ? 'Ctrl-C again' : 'the signal again'} kills at once, without that\n`);
      stop.abort(signal);
      return;
    }
    if (signal === first.signal && now() - first.at < DUPLICATE_SIGNAL_MS) return;
    remove();
    kill(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return remove;
}
