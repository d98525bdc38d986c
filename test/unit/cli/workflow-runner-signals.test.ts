import { stopOnSignals } from '../../../cli/workflow-runner';

/**
 * A local run's Ctrl-C (cli/workflow-runner.ts): the first SIGINT or SIGTERM stops the execution; later ones are
 * acknowledged and leave the clean-up running. Each needs a listener still installed: with none (the listeners were
 * `once`), Node's default, or tsx's preflight (it exits when no listener remains), killed the process mid-clean-up.
 */
describe('stopOnSignals', () => {
  const counts = () => [process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')];
  let before: number[];
  let remove: (() => void) | undefined;
  beforeEach(() => {
    before = counts();
  });
  afterEach(() => remove?.());

  it('aborts on the first signal, acknowledges the later ones with a line each, and keeps listening until removed', () => {
    const stop = new AbortController();
    const lines: string[] = [];
    remove = stopOnSignals(stop, (line) => lines.push(line));
    expect(counts()).toEqual(before.map((n) => n + 1));

    process.emit('SIGINT', 'SIGINT');
    expect([stop.signal.aborted, stop.signal.reason]).toEqual([true, 'SIGINT']);
    expect(lines).toEqual(["\nSIGINT: stopping the execution (it ends ABORTED and gives back what it holds), then this command's clean-up\n"]);

    // A second Ctrl-C, then a SIGTERM, while the stop runs: a line each, and the listeners are still there.
    process.emit('SIGINT', 'SIGINT');
    process.emit('SIGTERM', 'SIGTERM');
    expect(lines.slice(1)).toEqual([
      `SIGINT: already stopping; waiting for the execution's end and the clean-up (kill -KILL ${process.pid} ends the process without them)\n`,
      `SIGTERM: already stopping; waiting for the execution's end and the clean-up (kill -KILL ${process.pid} ends the process without them)\n`,
    ]);
    expect(counts()).toEqual(before.map((n) => n + 1));

    remove();
    remove = undefined;
    expect(counts()).toEqual(before);
    process.emit('SIGINT', 'SIGINT');
    expect(lines).toHaveLength(3);
  });

  it('starts the stop on a SIGTERM as on a Ctrl-C', () => {
    const stop = new AbortController();
    const lines: string[] = [];
    remove = stopOnSignals(stop, (line) => lines.push(line));
    process.emit('SIGTERM', 'SIGTERM');
    expect([stop.signal.reason, lines]).toEqual(['SIGTERM', ["\nSIGTERM: stopping the execution (it ends ABORTED and gives back what it holds), then this command's clean-up\n"]]);
  });
});
