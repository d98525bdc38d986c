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
    expect(lines).toEqual(['\nSIGINT: stopping the execution (the running execution ends ABORTED and gives back what it holds); Ctrl-C again kills at once, without that\n']);

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
    expect([stop.signal.reason, lines]).toEqual(['SIGTERM', ['\nSIGTERM: stopping the execution (the running execution ends ABORTED and gives back what it holds); the signal again kills at once, without that\n']]);
    process.emit('SIGINT', 'SIGINT');
    expect(killed).toEqual(['SIGINT']);
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
