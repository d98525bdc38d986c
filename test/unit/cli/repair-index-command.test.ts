import { repairIndexCommand } from '../../../cli/commands/repair-index-command';
import { type WorkflowOutcome, type WorkflowRunner } from '../../../cli/workflow-runner';
import { type RepairIndexSummary } from '../../../lambdas/repair/repair-index-summary';
import { recordingCliIo } from '../../support/captured-cli-io';
import { SAMPLE_CONFIG_FILE } from '../../support/repo-root';

const target = { config: SAMPLE_CONFIG_FILE, env: 'dev', dataDir: '.unused' };
const stderr = { isTTY: false, write: () => true };

const clean: RepairIndexSummary = {
  vault: 'dr', readData: true, startedAt: 'a', endedAt: 'b', packsRead: 3, packsIndexed: 3, blobsIndexed: 40,
  packsLeftOut: [], packsLeftOutCount: 0, blobsLeftOut: [], blobsLeftOutCount: 0, packsHeaderUnreadable: [], packsHeaderUnreadableCount: 0,
  packsSalvaged: [], packsSalvagedCount: 0, newPacks: 0, packsNotRead: [], packsNotReadCount: 0, packsLeftToPrune: 0,
  indexesWritten: 1, indexesRemoved: 2, indexesUnreadable: [], indexesUnreadableCount: 0, indexesLocked: [], indexesLockedCount: 0, indexesLeftToPrune: 0,
  leftOut: false, notListed: 0, notes: [],
};

function runnerAnswering(outcome: Omit<WorkflowOutcome, 'executionId'>): WorkflowRunner & { started: unknown[] } {
  const started: unknown[] = [];
  return {
    started,
    run: async (workflow, input, _progress, options) => {
      started.push({ workflow, input, region: options?.region });
      return { executionId: 'exec-1', ...outcome };
    },
  };
}

it('starts the repair-index runbook in the primary region with the vault and readData, prints the summary, exits 0', async () => {
  const io = recordingCliIo();
  const runner = runnerAnswering({ status: 'SUCCEEDED', output: clean });
  expect(await repairIndexCommand({ ...target, vault: 'dr', readData: true }, { io, stderr, runner })).toBe(0);
  expect(runner.started).toEqual([{ workflow: 'repair-index', input: { vault: 'dr', readData: true }, region: 'primary' }]);
  expect(io.lines[0]).toBe('Repaired the index of the dr vault: 3 pack(s) read whole, every blob decrypted and its id checked; 3 pack(s) with 40 blob(s) indexed.');
  expect(io.lines).toContain('Execution exec-1');
});

it('exits 3 when packs or blobs were left out, naming them and saying what to do', async () => {
  const io = recordingCliIo();
  const leftOut = { ...clean, packsLeftOut: [{ pack: 'ab12', reason: 'bad header' as const, detail: 'cannot decrypt' }], packsLeftOutCount: 1, leftOut: true, notes: ['1 pack(s) and 0 blob(s) were left out of the index: …'] };
  expect(await repairIndexCommand({ ...target, vault: 'primary' }, { io, stderr, runner: runnerAnswering({ status: 'SUCCEEDED', output: leftOut }) })).toBe(3);
  expect(io.lines).toContain('LEFT OUT pack data/ab/ab12: bad header: cannot decrypt');
  expect(io.errors).toContain('note: 1 pack(s) and 0 blob(s) were left out of the index: …');
});

it('exits 1 with the error of a failed execution', async () => {
  const io = recordingCliIo();
  const runner = runnerAnswering({ status: 'FAILED', error: 'RepairIndexOutOfTimeError', cause: JSON.stringify({ errorMessage: 'The repair of the primary vault\'s index did not finish' }) });
  expect(await repairIndexCommand({ ...target, vault: 'primary' }, { io, stderr, runner })).toBe(1);
  expect(io.errors.join('\n')).toContain('Repair index FAILED: RepairIndexOutOfTimeError');
});

it('refuses a --vault that is not primary or dr before starting anything (exit 2)', async () => {
  const io = recordingCliIo();
  const runner = runnerAnswering({ status: 'SUCCEEDED', output: clean });
  expect(await repairIndexCommand({ ...target, vault: 'both' }, { io, stderr, runner })).toBe(2);
  expect(io.errors).toEqual(['lifeboat repair-index: --vault must be primary or dr (the one vault whose index is rebuilt), got both']);
  expect(runner.started).toEqual([]);
});
