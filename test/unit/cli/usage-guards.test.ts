import { approveCommand } from '../../../cli/commands/approval-commands';
import { verifyCommand } from '../../../cli/commands/restore-commands';
import { restoreFlagHint } from '../../../cli/runbook-field-flags';
import { parseWorkerCount } from '../../../cli/worker-count-option';
import { LambdaWorkerPool } from '../../../local/executor/lambda-worker-pool';
import { capturedCliIo } from '../../support/captured-cli-io';
import { SAMPLE_CONFIG_FILE } from '../../support/repo-root';

/** Usage the commands refuse before they reach a catalog, a vault or a Lambda worker (nothing is started or changed). */
describe('usage guards of the plan-level commands', () => {
  const target = { config: SAMPLE_CONFIG_FILE, env: 'dev', dataDir: '/nonexistent-lifeboat-data-dir' };

  it('approve --reject needs a reason with some text: the requester sees it', async () => {
    for (const reason of [undefined, '', '   ']) {
      const io = capturedCliIo();
      const decide = jest.fn();
      expect(await approveCommand('exec-1', { ...target, reject: true, ...(reason !== undefined ? { reason } : {}) }, { io: io.io, access: decide as never })).toBe(1);
      expect(io.err).toEqual(['lifeboat approve: --reject needs --reason with some text: the requester sees why']);
      expect(decide).not.toHaveBeenCalled();
    }
  });

  it('verify --from takes primary or dr only: any other value would have verified the primary vault', async () => {
    const io = capturedCliIo();
    expect(await verifyCommand({ ...target, backup: '20261204T100000Z-1a2b3c4d', from: 'tertiary' }, { io: io.io })).toBe(2);
    expect(io.err).toEqual(['lifeboat verify: --from must be primary or dr, got "tertiary"']);
  });

  it('--workers is a whole number from 1 to 64; a worker pool refuses any other size instead of waiting forever', () => {
    expect(parseWorkerCount('2')).toBe(2);
    for (const bad of ['abc', '0', '-1', '1.5', '65', '']) expect(() => parseWorkerCount(bad)).toThrow(`must be a whole number of worker threads from 1 to 64, got ${JSON.stringify(bad)}`);
    for (const size of [Number.NaN, 0, 1.5]) expect(() => new LambdaWorkerPool(size)).toThrow(`a Lambda worker pool needs a whole number of workers, 1 or more; got ${size}`);
  });

  it('names the restore option of each runbook field a failed restore\'s error names, and nothing for prose', () => {
    expect(restoreFlagHint('Invalid restore request: target: this is the original bucket; restoring onto it replaces live data, so set "overwrite": true to confirm')).toBe(
      'On the command line: "target" is --target, "overwrite" is --overwrite.',
    );
    expect(restoreFlagHint('Invalid restore request: filter.prefix: Too small')).toBe('On the command line: "filter.prefix" is --prefix.');
    expect(restoreFlagHint('Invalid restore request: target.table: Too small: expected string to have >=3 characters')).toBe('On the command line: "target" is --target.');
    expect(restoreFlagHint('no backup of source demo-files at or before 2026-03-02T10:00:00.000Z in the vault')).toBeUndefined();
  });
});
