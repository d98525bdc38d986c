import { type ClosedOutputGuard, processOutput } from './closed-output';

/** The same signal again within this long is the first one delivered twice (tsx's CLI relays the terminal's Ctrl-C), not a second Ctrl-C. */
export const DUPLICATE_SIGNAL_MS = 1000;

/** When a second signal counts as one (DUPLICATE_SIGNAL_MS), in the words of the first's line: local and --aws runs say it alike (f65F). */
export const DUPLICATE_SECOND = 'a second or more after this one';

/** The same rule for a line that no signal caused (a closed output): the two Ctrl-C that kill (review r65F F4). */
export const DUPLICATE_APART = 'a second or more apart';

export type StopOnSignalsOptions = {
  /** What the first signal stops, for its line: "the execution", "the demo". */
  stopping: string;
  write: (line: string) => void;
  /** Ends the process at once (a second signal); tests pass their own. */
  kill?: (signal: NodeJS.Signals) => void;
  now?: () => number;
  /** Calls `then` after `ms` without keeping the process alive for it; tests pass their own. */
  later?: (ms: number, then: () => void) => void;
  /** Whose closed output (EPIPE) stops the run too; tests pass their own. @default processOutput */
  output?: ClosedOutputGuard;
};

/**
 * A local run's Ctrl-C, for the commands that run executions inside this process (a workflow command, the demo): the
 * first SIGINT or SIGTERM aborts `stop` (with the signal as its reason), so the running execution ends ABORTED and
 * gives back what it holds (a backup's lease) while the local cloud still runs, and the command stops the cloud it
 * started. A second signal kills at once, as a second Ctrl-C does in most tools: the escape when the clean-up hangs
 * (without it, the execution's history stays RUNNING and a lease holds the plan until it expires). The same signal
 * within DUPLICATE_SIGNAL_MS of the first is that one delivered twice and is ignored, also once removed (as the --aws
 * following's FollowingSignalGuard does), and the first line says so. The listeners stay until the
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
    options.write(`\nSIGPIPE: the output's reader went away; stopping ${options.stopping} (the running execution ends ABORTED and gives back what it holds); Ctrl-C twice, ${DUPLICATE_APART}, kills at once, without that\n`);
    stop.abort('SIGPIPE');
  });
  // As the --aws following's removal does (following-signals.ts): the first signal's copy may come after the clean-up
  // (`npx lifeboat`'s wrapper passes a Ctrl-C on 0.1 s later), and with no listener left Node's default ended the
  // command as it wrote its outcome (f65F). So the copy is still swallowed until DUPLICATE_SIGNAL_MS.
  const remove = (): void => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    removeOutputStop();
    if (first === undefined || first.signal === 'SIGPIPE' || now() - first.at >= DUPLICATE_SIGNAL_MS) return;
    const { signal: copied, at } = first;
    const swallowCopy = (signal: NodeJS.Signals): void => {
      if (now() - at < DUPLICATE_SIGNAL_MS) return;
      // A late timer: this is a new signal, raised again for whoever listens now, or for Node's default.
      process.off(copied, swallowCopy);
      kill(signal);
    };
    process.on(copied, swallowCopy);
    (options.later ?? ((ms: number, then: () => void) => void setTimeout(then, ms).unref()))(DUPLICATE_SIGNAL_MS - (now() - at), () => process.off(copied, swallowCopy));
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    if (first?.signal === 'SIGPIPE') {
      first = { signal, at: now() };
      // To the stream that may still have a reader (stderr when only stdout was piped); with both closed it is lost,
      // which is why this signal must not kill.
      options.write(`\n${signal}: already stopping ${options.stopping} (the output's reader went away); ${signal === 'SIGINT' ? 'Ctrl-C again' : 'the signal again'} ${DUPLICATE_SECOND} kills at once, without that\n`);
      return;
    }
    if (first === undefined) {
      first = { signal, at: now() };
      options.write(`\n${signal}: stopping ${options.stopping} (the running execution ends ABORTED and gives back what it holds); ${signal === 'SIGINT' ? 'Ctrl-C again' : 'the signal again'} ${DUPLICATE_SECOND} kills at once, without that\n`);
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
