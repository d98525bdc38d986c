import { type BackupRecord } from '../../../../lambdas/catalog/backup-record';
import { ARRIVAL_TOLERANCE_MS, CLOCK_SKEW_MS, weighRecords } from '../../../../lambdas/retention/record-evidence';

const NOW = new Date('2026-03-10T00:00:00.000Z');
const at = (msBeforeNow: number): string => new Date(NOW.getTime() - msBeforeNow).toISOString();
const DAY = 24 * 3_600_000;

function record(backupId: string, startedAt: string, snapshotIds: string[], status: BackupRecord['status'] = 'COMMITTED'): BackupRecord {
  return {
    backupId,
    plan: 'files',
    environment: 'dev',
    sourceNames: snapshotIds.map((_, i) => `s${i}`),
    sources: snapshotIds.map((snapshotId, i) => ({ name: `s${i}`, type: 'filesystem', snapshotId, rootHash: 'r', entries: 1, bytes: 0, bytesScanned: 0, bytesNew: 0, bytesStored: 0, blobsNew: 0 })),
    strategy: 'full',
    status,
    startedAt,
    shardCount: 1,
  };
}

describe('weighRecords', () => {
  it('counts a record from its start while its snapshots arrived within the tolerance, from the last arrival after it', () => {
    const arrivals = new Map([
      ['on-time', new Date(NOW.getTime() - 10 * DAY + ARRIVAL_TOLERANCE_MS)],
      ['late-a', new Date(NOW.getTime() - 3 * DAY)],
      ['late-b', new Date(NOW.getTime() - 2 * DAY)],
    ]);
    const evidence = weighRecords([record('on-time', at(10 * DAY), ['on-time']), record('late', at(10 * DAY), ['late-a', 'late-b'])], arrivals, NOW);
    expect(evidence.counted.map((c) => [c.record.backupId, c.countsFrom])).toEqual([
      ['on-time', at(10 * DAY)],
      ['late', at(2 * DAY)],
    ]);
    expect(evidence.retimed).toEqual([{ backupId: 'late', startedAt: at(10 * DAY), countsFrom: at(2 * DAY) }]);
  });

  it('leaves out a record starting after the clock (beyond the skew) and a committed one with none of its snapshots in the vault', () => {
    const evidence = weighRecords(
      [
        record('future', new Date(NOW.getTime() + CLOCK_SKEW_MS + 1).toISOString(), ['f']),
        record('skewed', new Date(NOW.getTime() + CLOCK_SKEW_MS).toISOString(), ['s']),
        record('ghost', at(DAY), ['nowhere']),
        // Not committed: no snapshots expected, counted (as kept) like before.
        record('failed', at(DAY), [], 'FAILED'),
      ],
      new Map([['f', NOW], ['s', NOW]]),
      NOW,
    );
    expect(evidence.notCounted.map((n) => n.backupId)).toEqual(['future']);
    expect(evidence.ghosts.map((g) => g.backupId)).toEqual(['ghost']);
    expect(evidence.counted.map((c) => c.record.backupId)).toEqual(['skewed', 'failed']);
  });

  it('takes no evidence of age from an arrival after its own clock (a run with a set clock)', () => {
    const evidence = weighRecords([record('old', at(30 * DAY), ['x'])], new Map([['x', new Date(NOW.getTime() + 90 * DAY)]]), NOW);
    expect(evidence.counted.map((c) => c.countsFrom)).toEqual([at(30 * DAY)]);
    expect(evidence.retimed).toEqual([]);
  });
});
