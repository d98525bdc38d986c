import { EventEmitter } from 'node:events';
import { ClosedOutputGuard, EXIT_OUTPUT_CLOSED } from '../../../cli/closed-output';
import { DUPLICATE_SIGNAL_MS, stopOnSignals } from '../../../cli/stop-on-signals';

/**
 * A local run's Ctrl-C (cli/stop-on-signals.ts, used by the workflow commands and the demo): the first SIGINT or
 * SIGTERM stops the execution; the same signal again within DUPLICATE_SIGNAL_MS is tsx's relayed copy and is ignored;
 * a later one kills at once. Each needs a listener still installed: with none (the listeners were `once`), Node's
 * default, or tsx's preflight (it exits when no listener remains), killed the process mid-clean-up.
 */
describe('stopOnSignals', () => {
  const counts = () => [process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')];
  let before: number[];
  let remove: (() => void) | undefined;
  let clock: number;
  let lines: string[];
  let killed: NodeJS.Signals[];
  const start = (stop: AbortController) => stopOnSignals(stop, { stopping: 'the execution', write: (line) => lines.push(line), kill: (signal) => killed.push(signal), now: () => clock });
  beforeEach(() => {
    before = counts();
    clock = 1_000_000;
    lines = [];
    killed = [];
  });
  afterEach(() => remove?.());

  it('aborts on the first signal, ignores its relayed copy, and kills on a second Ctrl-C; the listeners stay until removed', () => {
    const stop = new AbortController();
    remove = start(stop);
    expect(counts()).toEqual(before.map((n) => n + 1));

    process.emit('SIGINT', 'SIGINT');
    expect([stop.signal.aborted, stop.signal.reason]).toEqual([true, 'SIGINT']);
    expect(lines).toEqual(['\nSIGINT: stopping the execution (the running execution ends ABORTED and gives back what it holds); Ctrl-C again a second or more after this one kills at once, without that\n']);

    // tsx relays the terminal's Ctrl-C: the same signal within the second is that one, and still has a listener.
    clock += DUPLICATE_SIGNAL_MS - 1;
    process.emit('SIGINT', 'SIGINT');
    expect([killed, lines.length, counts()]).toEqual([[], 1, before.map((n) => n + 1)]);

    clock += 1;
    process.emit('SIGINT', 'SIGINT');
    expect(killed).toEqual(['SIGINT']);
    // Killing removed the listeners, so the signal it sends meets Node's default.
    expect(counts()).toEqual(before);
  });

  it('starts the stop on a SIGTERM as on a Ctrl-C, and a Ctrl-C right after it is a second signal', () => {
    const stop = new AbortController();
    remove = start(stop);
    process.emit('SIGTERM', 'SIGTERM');
    expect([stop.signal.reason, lines]).toEqual(['SIGTERM', ['\nSIGTERM: stopping the execution (the running execution ends ABORTED and gives back what it holds); the signal again a second or more after this one kills at once, without that\n']]);
    process.emit('SIGINT', 'SIGINT');
    expect(killed).toEqual(['SIGINT']);
  });

  it('a closed output (EPIPE) stops the run as a first signal does, once, and the command then exits 141; a read-only command exits quietly', () => {
    const exits: number[] = [];
    const output = new ClosedOutputGuard((code) => exits.push(code));
    const stderr = new EventEmitter();
    output.watch(stderr);
    const epipe = () => stderr.emit('error', Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));

    // No run yet: a command that only prints stops at once, with the code it has so far.
    epipe();
    expect([exits, output.exitCodeOverride()]).toEqual([[0], undefined]);

    const stop = new AbortController();
    remove = stopOnSignals(stop, { stopping: 'the execution', write: (line) => lines.push(line), kill: (signal) => killed.push(signal), now: () => clock, output });
    epipe();
    // Ended at once (exit code 0), the execution stayed RUNNING and its lease held the plan for a day.
    expect([stop.signal.reason, exits, output.exitCodeOverride()]).toEqual(['SIGPIPE', [0], EXIT_OUTPUT_CLOSED]);
    // Review r65F F4: the line said "Ctrl-C twice kills at once", though a second within DUPLICATE_SIGNAL_MS is ignored.
    expect(lines).toEqual(["\nSIGPIPE: the output's reader went away; stopping the execution (the running execution ends ABORTED and gives back what it holds); Ctrl-C twice, a second or more apart, kills at once, without that\n"]);
    // The other stream closing too is the same event.
    epipe();
    expect([lines.length, killed]).toEqual([1, []]);

    // After the run, the command finishes printing into the dead pipe and exits with EXIT_OUTPUT_CLOSED (bin/lifeboat.ts).
    remove();
    remove = undefined;
    epipe();
    expect([exits, output.exitCodeOverride()]).toEqual([[0], EXIT_OUTPUT_CLOSED]);
    expect(() => stderr.emit('error', Object.assign(new Error('write EIO'), { code: 'EIO' }))).toThrow('write EIO');
  });

  it('after a closed output, the user\'s first Ctrl-C only says it is already stopping (its warning went into the pipe); their second kills (review R6-1)', () => {
    const output = new ClosedOutputGuard(() => undefined);
    const stderr = new EventEmitter();
    output.watch(stderr);
    const stop = new AbortController();
    remove = stopOnSignals(stop, { stopping: 'the execution', write: (line) => lines.push(line), kill: (signal) => killed.push(signal), now: () => clock, output });
    // `lifeboat backup 2>&1 | head`: head exits; the SIGPIPE line went into that closed pipe, and the prompt has not come back.
    stderr.emit('error', Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
    expect(stop.signal.reason).toBe('SIGPIPE');

    // Killed here, the execution skipped its ABORTED end and its lease release.
    clock += 5_000;
    process.emit('SIGINT', 'SIGINT');
    expect([killed, stop.signal.reason, counts()]).toEqual([[], 'SIGPIPE', before.map((n) => n + 1)]);
    expect(lines.at(-1)).toBe("\nSIGINT: already stopping the execution (the output's reader went away); Ctrl-C again a second or more after this one kills at once, without that\n");
    // tsx's relayed copy of that Ctrl-C is still the same one.
    clock += DUPLICATE_SIGNAL_MS - 1;
    process.emit('SIGINT', 'SIGINT');
    expect([killed, lines.length]).toEqual([[], 2]);

    clock += 1;
    process.emit('SIGINT', 'SIGINT');
    expect([killed, counts()]).toEqual([['SIGINT'], before]);
  });

  // f65F: as the --aws following does (following-signals.ts), the copy of the first Ctrl-C that comes after the
  // clean-up's removal is still swallowed within DUPLICATE_SIGNAL_MS; with no listener, Node's default ended the command.
  it('swallows the first signal\'s copy that comes after removal within the duplicate window, and listens no longer after it', () => {
    const stop = new AbortController();
    const timers: Array<() => void> = [];
    remove = stopOnSignals(stop, { stopping: 'the execution', write: (line) => lines.push(line), kill: (signal) => killed.push(signal), now: () => clock, later: (_ms, then) => void timers.push(then) });
    process.emit('SIGINT', 'SIGINT');
    clock += 100;
    remove();
    remove = undefined;
    // Still one listener for the copy, so it meets no default action.
    expect(counts()).toEqual([before[0]! + 1, before[1]]);
    clock += 100;
    process.emit('SIGINT', 'SIGINT');
    expect(killed).toEqual([]);
    timers.forEach((then) => then());
    expect(counts()).toEqual(before);
  });

  it('removal takes its listeners away, and a signal after it reaches none of them', () => {
    const stop = new AbortController();
    remove = start(stop);
    remove();
    remove = undefined;
    expect(counts()).toEqual(before);
    const ignore = () => undefined;
    // A listener of the test's own, so that the emitted signal meets no default action.
    process.on('SIGINT', ignore);
    try {
      process.emit('SIGINT', 'SIGINT');
    } finally {
      process.off('SIGINT', ignore);
    }
    expect([stop.signal.aborted, lines, killed]).toEqual([false, [], []]);
  });
});
