import { hostname } from 'node:os';
import { Command } from 'commander';
import { failoverInput, registerFailoverCommand } from '../../../cli/commands/failover-command';
import { registerRestoreCommand, restoreInput } from '../../../cli/commands/restore-commands';
import { localRequester } from '../../../cli/requester';

/**
 * The runbook commands that may wait for an approval say who asks (the approval record's
 * `requestedBy`, shown by `lifeboat approvals list`): `--requested-by`, by default user@host, so an
 * approver no longer reads "(not given)" for every CLI-started restore and failover.
 */
function requestedByDefault(program: Command, name: string): unknown {
  return program.commands.find((c) => c.name() === name)?.options.find((o) => o.long === '--requested-by')?.defaultValue;
}

it('defaults --requested-by of restore and failover to user@host of this machine', () => {
  expect(localRequester()).toMatch(new RegExp(`^[^@]+@${hostname().replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`));
  const program = new Command('lifeboat');
  registerRestoreCommand(program);
  registerFailoverCommand(program);
  expect(requestedByDefault(program, 'restore')).toBe(localRequester());
  expect(requestedByDefault(program, 'failover')).toBe(localRequester());
});

it('puts it into the runbook input, and leaves the field out when the caller gives none', () => {
  const restore = { config: '', env: 'dev', dataDir: '', source: 'files', backup: '20261124T100000Z-1a2b3c4d', target: '/mnt/restored' };
  expect(restoreInput({ ...restore, requestedBy: 'ana@ops-laptop' })).toMatchObject({ requestedBy: 'ana@ops-laptop' });
  expect(restoreInput(restore)).not.toHaveProperty('requestedBy');
  expect(failoverInput({ plan: 'demo', requestedBy: 'ana@ops-laptop' })).toEqual({ plan: 'demo', requestedBy: 'ana@ops-laptop' });
});
