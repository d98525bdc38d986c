import { MAJOR_EVERY_BYTES, MINOR_EVERY_BYTES, PromptCollector } from '../../../../vault/workers/prompt-collector';

describe('PromptCollector', () => {
  it('runs a minor collection every MINOR_EVERY_BYTES processed and a full one every MAJOR_EVERY_BYTES, only where it is asked to', () => {
    const runs: string[] = [];
    const collector = new PromptCollector((kind) => runs.push(kind));
    collector.processed(MINOR_EVERY_BYTES - 1);
    collector.collectIfDue();
    expect(runs).toEqual([]);
    collector.processed(1);
    expect(runs).toEqual([]);
    collector.collectIfDue();
    collector.collectIfDue();
    expect(runs).toEqual(['minor']);
    for (let done = MINOR_EVERY_BYTES; done < MAJOR_EVERY_BYTES; done += MINOR_EVERY_BYTES) {
      collector.processed(MINOR_EVERY_BYTES);
      collector.collectIfDue();
    }
    expect(runs.filter((k) => k === 'major')).toEqual(['major']);
    expect(runs.at(-1)).toBe('major');
    expect(runs.length).toBe(MAJOR_EVERY_BYTES / MINOR_EVERY_BYTES);
  });

  it('does nothing without a collector', () => {
    const collector = new PromptCollector(null);
    collector.processed(MAJOR_EVERY_BYTES * 2);
    expect(() => collector.collectIfDue()).not.toThrow();
    expect(collector.active).toBe(false);
  });

  it("gets a working collector for this thread's isolate without --expose-gc on the command line", () => {
    expect(process.execArgv).not.toContain('--expose-gc');
    const collector = PromptCollector.forThisIsolate();
    expect(collector.active).toBe(true);
    collector.processed(MAJOR_EVERY_BYTES);
    expect(() => collector.collectIfDue()).not.toThrow();
  });
});
