import { DUPLICATE_SECOND, DUPLICATE_SIGNAL_MS } from './stop-on-signals';

/**
 * The signals that stop the CLI's following of an execution in AWS: a Ctrl-C, `timeout`'s or a scheduler's TERM, and
 * the HUP of a dropped ssh session (review r64M F3: it ended the process at once, `--json` empty).
 */
export type FollowingSignal = 'SIGINT' | 'SIGTERM' | 'SIGHUP';

/** 128 + the signal's number: what a shell reports for a process the signal ended. */
const SIGNAL_EXIT: Record<FollowingSignal, number> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };
const FOLLOWING_SIGNALS = Object.keys(SIGNAL_EXIT) as FollowingSignal[];

/** Where the signals come from and what ends the process: the process's own, or a test's. */
export type SignalSource = {
  on(signal: FollowingSignal, listener: (signal: NodeJS.Signals) => void): void;
  off(signal: FollowingSignal, listener: (signal: NodeJS.Signals) => void): void;
  /** Raises the signal again: the guard removes its listeners first, so the default action ends the process. */
  kill(signal: FollowingSignal): void;
  write(line: string): void;
  now(): number;
  /** Calls `then` after `ms`, without keeping the process alive for it. */
  later(ms: number, then: () => void): void;
};

/**
 * A Ctrl-C (or a SIGTERM, a SIGHUP) while the CLI follows an execution in AWS. Node's default ended the process at once, so
 * `--json` wrote nothing and a script had no ARN of the execution, which goes on in AWS (review r64D F2). The first
 * signal now stops what the runner is doing instead: the following, as a closed output does (StoppedFollowingError,
 * whose `--json` object names the execution, status UNKNOWN), or, once the execution has ended FAILED, the read of its
 * failure report (the ended outcome is reported without it). Only a following stopped by the signal exits with the
 * signal's code (130, 143, 129: exitCodeOverride, set by the runner as it throws), so a script or `timeout` sees what it sees
 * of any program it stopped; an outcome the command reports keeps its own code, which stdout agrees with (review r64M
 * F1: a Ctrl-C during a FAILED run's report read exited 130 after writing the FAILED object). A second signal ends the
 * process at once, the escape when a poll hangs; the same signal within DUPLICATE_SIGNAL_MS of the first is that one
 * delivered twice (tsx relays a Ctrl-C, the npx wrapper passes one on), which the line tells the operator. Unlike a
 * local run's stopOnSignals, nothing is stopped in AWS: the execution is AWS's, not this process's.
 */
export class FollowingSignalGuard {
  private stoppedBy: FollowingSignal | undefined;

  constructor(private readonly source: SignalSource) {}

  /**
   * While the CLI follows: the first signal calls `stop` with it, which stops what the runner is doing and says what
   * that is, for the operator's line ("the CLI stops following the execution, …"). Returns the removal.
   */
  stopOnSignals(stop: (signal: FollowingSignal) => string): () => void {
    let first: { signal: FollowingSignal; at: number } | undefined;
    const stopListening = (): void => {
      for (const signal of FOLLOWING_SIGNALS) this.source.off(signal, onSignal);
    };
    // Once the runner is done, the first signal's copy may still be on its way: `npx lifeboat`'s wrapper passes its
    // Ctrl-C on 0.1 s later. With no listener left, Node's default ended the command while it read the catalog after a
    // FAILED run, stdout empty, exit 130 (review r64AA F2). So the copy is still swallowed until DUPLICATE_SIGNAL_MS.
    const remove = (): void => {
      stopListening();
      if (first === undefined) return;
      const { signal: copied, at } = first;
      const left = DUPLICATE_SIGNAL_MS - (this.source.now() - at);
      if (left <= 0) return;
      const swallowCopy = (signal: NodeJS.Signals): void => {
        if (this.source.now() - at < DUPLICATE_SIGNAL_MS) return;
        // A late timer: this is a new signal, raised again for whoever listens now, or for Node's default.
        this.source.off(copied, swallowCopy);
        if (isFollowingSignal(signal)) this.source.kill(signal);
      };
      this.source.on(copied, swallowCopy);
      this.source.later(left, () => this.source.off(copied, swallowCopy));
    };
    const onSignal = (signal: NodeJS.Signals): void => {
      if (!isFollowingSignal(signal)) return;
      if (first === undefined) {
        first = { signal, at: this.source.now() };
        const stopping = stop(signal);
        this.source.write(`\n${signal}: ${stopping}; ${signal === 'SIGINT' ? 'Ctrl-C' : 'the signal'} again ${DUPLICATE_SECOND} exits at once\n`);
        return;
      }
      if (signal === first.signal && this.source.now() - first.at < DUPLICATE_SIGNAL_MS) return;
      stopListening();
      this.source.kill(signal);
    };
    for (const signal of FOLLOWING_SIGNALS) this.source.on(signal, onSignal);
    return remove;
  }

  /** The runner throws StoppedFollowingError (WorkflowStartStoppedError during the start) because `signal` stopped it: the process exits with its code. */
  stoppedFollowing(signal: FollowingSignal): void {
    this.stoppedBy = signal;
  }

  /** 130, 143 or 129 once a signal stopped a following: replaces the command's own code (5), as the signal's end would be. */
  exitCodeOverride(): number | undefined {
    return this.stoppedBy === undefined ? undefined : SIGNAL_EXIT[this.stoppedBy];
  }
}

function isFollowingSignal(signal: NodeJS.Signals): signal is FollowingSignal {
  return (FOLLOWING_SIGNALS as readonly string[]).includes(signal);
}

/** The process's own: the AWS runner registers its stop, bin/lifeboat.ts takes the exit code. */
export const processFollowingSignals = new FollowingSignalGuard({
  on: (signal, listener) => process.on(signal, listener),
  off: (signal, listener) => process.off(signal, listener),
  kill: (signal) => process.kill(process.pid, signal),
  write: (line) => process.stderr.write(line),
  now: () => Date.now(),
  later: (ms, then) => void setTimeout(then, ms).unref(),
});
