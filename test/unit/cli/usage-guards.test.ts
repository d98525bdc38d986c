import { approvalsListCommand, approveCommand } from '../../../cli/commands/approval-commands';
import { backupCommand, backupsListCommand } from '../../../cli/commands/backup-commands';
import { catalogRebuildCommand } from '../../../cli/commands/catalog-commands';
import { drillRunCommand, drillsListCommand } from '../../../cli/commands/drill-commands';
import { failoverCommand } from '../../../cli/commands/failover-command';
import { pruneCommand } from '../../../cli/commands/prune-command';
import { repairIndexCommand } from '../../../cli/commands/repair-index-command';
import { backupsHoldCommand, backupsReleaseCommand } from '../../../cli/commands/retention-commands';
import { restoreCommand, verifyCommand } from '../../../cli/commands/restore-commands';
import { scrubCommand } from '../../../cli/commands/scrub-command';
import { statusCommand } from '../../../cli/commands/status-command';
import { restoreFlagHint } from '../../../cli/runbook-field-flags';
import { parseWorkerCount } from '../../../cli/worker-count-option';
import { LambdaWorkerPool } from '../../../local/executor/lambda-worker-pool';
import { capturedCliDeps, capturedCliIo } from '../../support/captured-cli-io';
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

  // Exit 1 is "the drill FAILED", "the scrub left damage", "the execution failed" to a script or monitor: a
  // mistyped --env must not read as that. --aws: the environment is looked up before any client is made.
  it.each<[string, (env: string, deps: ReturnType<typeof capturedCliDeps>['deps']) => Promise<number>]>([
    ['status', (env, { io }) => statusCommand({ ...target, env, aws: true }, { io })],
    ['drill run', (env, deps) => drillRunCommand({ ...target, env, aws: true, plan: 'demo' }, deps)],
    ['drills list', (env, deps) => drillsListCommand({ ...target, env, aws: true }, deps)],
    ['scrub', (env, { io }) => scrubCommand({ ...target, env, aws: true }, { io })],
    ['prune', (env, { io }) => pruneCommand({ ...target, env, aws: true }, { io })],
    ['backup', (env, deps) => backupCommand({ ...target, env, aws: true, plan: 'demo' }, deps)],
    ['restore', (env, deps) => restoreCommand({ ...target, env, aws: true, source: 'demo-files', backup: '20261204T100000Z-1a2b3c4d', target: '/mnt/restored' }, deps)],
    ['failover', (env, deps) => failoverCommand({ ...target, env, aws: true, plan: 'demo' }, deps)],
    ['approvals', (env, { io }) => approvalsListCommand({ ...target, env, aws: true }, { io })],
    ['catalog rebuild --runbook', (env, deps) => catalogRebuildCommand({ ...target, env, aws: true, vault: 'dr', runbook: true }, deps)],
    ['repair-index', (env, deps) => repairIndexCommand({ ...target, env, aws: true, vault: 'primary' }, deps)],
    ['backups list', (env, deps) => backupsListCommand({ ...target, env, aws: true }, deps)],
    ['backups hold', (env, { io }) => backupsHoldCommand('20261204T100000Z-1a2b3c4d', { ...target, env, aws: true, reason: 'case 42' }, { io })],
    ['backups release', (env, { io }) => backupsReleaseCommand('20261204T100000Z-1a2b3c4d', { ...target, env, aws: true }, { io })],
    // verify's and approve's other refusals (a backup not COMMITTED, no such approval) stay 1: only the environment is usage.
    ['verify', (env, { io }) => verifyCommand({ ...target, env, aws: true, backup: '20261204T100000Z-1a2b3c4d' }, { io })],
    ['approve', (env, { io }) => approveCommand('incident-42', { ...target, env, aws: true }, { io })],
  ])('%s with an unknown --env exits 2 (the command line is wrong), naming the environment and the configured ones', async (name, run) => {
    const cli = capturedCliDeps();
    expect(await run('prd', cli.deps)).toBe(2);
    expect(cli.err).toEqual([`lifeboat ${name.replace(' --runbook', '')}: environment "prd" is not defined in the configuration (its environments: dev): pass --env with one of them`]);
    expect(cli.out).toEqual([]);
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
