import { repairIndexCommand, repairSummaryLines } from '../../../cli/commands/repair-index-command';
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
  indexesWritten: 1, indexesRemoved: 2, indexesUnreadable: [], indexesUnreadableCount: 0, indexesLocked: [], indexesLockedCount: 0, tombstone: null, indexesLeftToPrune: 0,
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

/** Review r4-F1, r4-F2: kept index objects' records no longer simply "stay beside the new ones"; an archived pack left out is not "indexed as before". */
it('says what the tombstone does for the index objects Object Lock kept, and lists an unlisted archived pack as left out', () => {
  const tombstone = `prune/condemned/${'c'.repeat(64)}`;
  const lines = repairSummaryLines({
    ...clean, indexesRemoved: 0, indexesLocked: ['i1', 'i2'], indexesLockedCount: 2, tombstone, leftOut: true,
    packsLeftOut: [{ pack: 'ab12', reason: 'archived, unlisted', detail: 'thaw it and run the repair again' }], packsLeftOutCount: 1,
  });
  expect(lines[1]).toBe(`Index objects: 1 written, then 0 old one(s) removed; 2 kept by Object Lock (every load still reads them; the tombstone ${tombstone} keeps the packs left out that they list out of every load (and a damaged one of them out of every backup's load), so the next backup stores those blobs again).`);
  expect(lines).toContain('LEFT OUT pack data/ab/ab12: archived, unlisted: thaw it and run the repair again');
  expect(lines.join('\n')).not.toContain('indexed as');
  expect(repairSummaryLines({ ...clean, indexesLocked: ['i1'], indexesLockedCount: 1 })[1]).toContain('1 kept by Object Lock (every load still reads them beside the new ones; they list nothing the repair left out)');
});
