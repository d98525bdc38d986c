import { describe, expect, it } from '@jest/globals';
import { drillRunCommand, type DrillRunCommandOptions } from '../../../cli/commands/drill-commands';
import { failoverCommand } from '../../../cli/commands/failover-command';
import { printForgetReport } from '../../../cli/commands/retention-commands';
import { type TargetOptions } from '../../../cli/environment-access';
import { type WorkflowOutcome, type WorkflowRunner } from '../../../cli/workflow-runner';
import { type InvalidBackupItem } from '../../../lambdas/catalog/backup-catalog';
import { CatalogItemInvalidError } from '../../../lambdas/catalog/catalog-errors';
import { type DrillRecord } from '../../../lambdas/catalog/drill-record';
import { drillStateReport } from '../../../lambdas/drill/drill-state-report';
import { UnreadableNewerBackupError } from '../../../lambdas/failover/unreadable-newer-backups';
import { shellWord } from '../../../lambdas/runtime/shell-word';
import { type ForgetReport } from '../../../lambdas/retention/forget-backups';
import { capturedCliIo } from '../../support/captured-cli-io';
import { drillRecordOf, drillReport } from '../../support/drill-records';
import { inMemoryDrillAccess } from '../../support/in-memory-drill-access';
import { parsePrintedCommand } from '../../support/printed-command-parse';
import { SAMPLE_CONFIG_FILE } from '../../support/repo-root';

/**
 * Read-back rb62A item 3: the `lifeboat catalog rebuild` lines of forget, failover and drill run were built by hand three
 * times. One builder now: the primary vault's rebuild carries the --vault-key its command was given (forget's), the DR
 * vault's does not (opened by its alias). `drill run` takes no --vault-key (review r62R F1): its options are built here by
 * the real parser, never with a key the CLI cannot give, and its primary rebuild opens the default alias as the drill did.
 */

const TARGET: TargetOptions = { config: SAMPLE_CONFIG_FILE, env: 'dev', dataDir: '.lifeboat', aws: true, vaultKey: 'alias/other key' };
const stderr = { isTTY: false, write: () => true };
const runnerOf = (outcome: WorkflowOutcome): WorkflowRunner => ({ run: async () => outcome });
const DAMAGED_PK = 'BACKUP#20261209T060000Z-0000000b';
const damaged: InvalidBackupItem = {
  key: { pk: DAMAGED_PK, sk: 'BACKUP' },
  startedAt: '2026-12-09T06:00:00Z',
  preVault: false,
  mayBeHeld: false,
  forgotten: false,
  snapshotIds: [],
  error: new CatalogItemInvalidError('lifeboat-dev-catalog', `${DAMAGED_PK} / BACKUP`, ['status: Invalid enum value']),
};

/** The rebuild line in backquotes and the options the real CLI parser gave it (refused: what it said). */
async function rebuildOf(text: string): Promise<{ line: string; options: Record<string, unknown> }> {
  const line = /`(lifeboat catalog rebuild [^`]*)`/.exec(text)?.[1];
  if (line === undefined) throw new Error(`no rebuild line in: ${text}`);
  const parsed = await parsePrintedCommand(line);
  if (parsed.refused !== undefined) throw new Error(`${line} refused: ${parsed.refused}`);
  return { line, options: parsed.args?.at(-1) as Record<string, unknown> };
}

async function drillAdvice(vault: 'primary' | 'dr'): Promise<string> {
  const region = vault === 'dr' ? 'us-west-2' : 'us-east-1';
  const error = new UnreadableNewerBackupError('drill', 'demo', { region, vault }, undefined, [damaged]);
  const { record } = drillRecordOf(
    drillReport({ drillId: '20261209T070000Z-0000000c', region, vault, execution: 'd1', verdict: 'FAILED', backup: undefined, sources: [], rto: undefined, rpo: undefined, errors: [{ error: error.name, message: error.message, step: 'start' }] }),
  );
  const parsed = await parsePrintedCommand(`lifeboat drill run --plan demo --vault ${vault} --config ${shellWord(SAMPLE_CONFIG_FILE)} --aws`);
  if (parsed.refused !== undefined) throw new Error(`drill run refused: ${parsed.refused}`);
  const options = parsed.args?.at(-1) as DrillRunCommandOptions;
  const memory = inMemoryDrillAccess();
  memory.catalogs[vault].push(record as DrillRecord);
  const { err, io } = capturedCliIo();
  const runner = runnerOf({ executionId: 'd1', status: 'FAILED', error: 'DrillFailed', cause: (drillStateReport(record) as { summary: string }).summary });
  expect(await drillRunCommand(options, { io, stderr, runner, access: memory.access })).toBe(1);
  return err.find((l) => l.startsWith("With this run's target options: ")) ?? '';
}

describe('the catalog rebuild lines forget, failover and drill run print (rb62A item 3)', () => {
  it("a drill of the primary vault names the rebuild with no --vault-key, as its run had none; forget's carries its own", async () => {
    expect((await parsePrintedCommand(`lifeboat drill run --plan demo --vault primary --aws --vault-key ${shellWord('alias/other key')}`)).refused).toMatch(/unknown option '--vault-key'/);
    const drill = await rebuildOf(await drillAdvice('primary'));
    expect(drill.line).toBe(`lifeboat catalog rebuild --vault primary --config ${SAMPLE_CONFIG_FILE} --aws`);
    expect(drill.options).toMatchObject({ vault: 'primary', aws: true });
    expect(drill.options).not.toHaveProperty('vaultKey');
    const { out, io } = capturedCliIo();
    printForgetReport(io, forgetReport('primary'), undefined, TARGET);
    const forget = await rebuildOf(out.join('\n'));
    expect(forget.options).toMatchObject({ vault: 'primary', vaultKey: 'alias/other key', aws: true });
    expect(forget.line).toBe(`${drill.line} --vault-key 'alias/other key'`);
  });

  it('the DR vault\'s rebuild, of a drill, a failover or a forget, names no --vault-key: the DR vault is opened by its alias', async () => {
    const drill = await rebuildOf(await drillAdvice('dr'));
    expect(drill.options).toMatchObject({ vault: 'dr', region: 'dr', aws: true });
    expect(drill.options).not.toHaveProperty('vaultKey');
    const error = new UnreadableNewerBackupError('failover', 'demo', { region: 'us-west-2', vault: 'dr' }, undefined, [damaged]);
    const { err, io } = capturedCliIo();
    const outcome: WorkflowOutcome = { executionId: 'f1', status: 'FAILED', error: error.name, cause: JSON.stringify({ errorType: error.name, errorMessage: error.message, trace: [] }) };
    expect(await failoverCommand({ ...TARGET, plan: 'demo' }, { io, stderr, runner: runnerOf(outcome), reportReader: async () => undefined })).toBe(1);
    const failover = await rebuildOf(err.find((l) => l.startsWith("With this run's target options: ")) ?? '');
    const forget = capturedCliIo();
    printForgetReport(forget.io, forgetReport('dr'), undefined, TARGET);
    expect(new Set([drill.line, failover.line, (await rebuildOf(forget.out.join('\n'))).line])).toEqual(new Set([`lifeboat catalog rebuild --vault dr --region dr --config ${SAMPLE_CONFIG_FILE} --aws`]));
  });
});

function forgetReport(vault: 'primary' | 'dr'): ForgetReport {
  return {
    vault,
    dryRun: true,
    plans: [{ plan: 'demo', policy: { keepLast: 1 }, decisions: [], forgotten: [], heldMeanwhile: [], pinnedMeanwhile: [], deletedObjects: 0, releasedClaims: [], notCounted: [], leftInPlace: [], locked: [], unreadable: [{ item: 'BACKUP#x / BACKUP', problem: 'not valid' }] }],
  };
}
