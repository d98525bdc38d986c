import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { buildSync } from 'esbuild';
import { MAJOR_EVERY_BYTES, MINOR_EVERY_BYTES, PromptCollector } from '../../../../vault/workers/prompt-collector';
import { REPO_ROOT } from '../../../support/repo-root';

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

  it('gets a working collector in a worker thread, where the codec workers use it', async () => {
    const contents = [
      "import { parentPort } from 'node:worker_threads';",
      "import { MAJOR_EVERY_BYTES, PromptCollector } from './prompt-collector';",
      'const collector = PromptCollector.forThisIsolate();',
      'collector.processed(MAJOR_EVERY_BYTES);',
      'collector.collectIfDue();',
      'parentPort?.postMessage(collector.active);',
    ].join('\n');
    const built = buildSync({ stdin: { contents, resolveDir: path.join(REPO_ROOT, 'vault', 'workers'), loader: 'ts' }, bundle: true, platform: 'node', format: 'cjs', write: false, logLevel: 'silent' });
    const code = built.outputFiles[0]?.text ?? '';
    const worker = new Worker(code, { eval: true });
    try {
      const active = await new Promise((resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
      });
      expect(active).toBe(true);
    } finally {
      await worker.terminate();
    }
  });
});
