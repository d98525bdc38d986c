import { type BackupRecord } from '../../../../lambdas/catalog/backup-record';
import { CLOCK_SKEW_MS } from '../../../../lambdas/catalog/future-start';
import { weighRecords } from '../../../../lambdas/retention/record-evidence';

const NOW = new Date('2026-03-10T00:00:00.000Z');
const at = (msBeforeNow: number): string => new Date(NOW.getTime() - msBeforeNow).toISOString();
const DAY = 24 * 3_600_000;
const NO_NAMERS = new Map<string, Set<string>>();

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
  it('f65T (review r65N F5): shows a zoneless start after the clock as the instant it judged (read as UTC), not in the process zone', () => {
    const evidence = weighRecords([record('ahead', '2026-03-10T12:00:00', ['ahead'])], new Map(), NOW, NO_NAMERS);
    expect(evidence.notCounted).toEqual([
      { backupId: 'ahead', reason: `starts 2026-03-10T12:00:00.000Z (its text names no zone: read as UTC), after this run's clock (${NOW.toISOString()}): no backup of this environment does; neither counted nor forgotten` },
    ]);
  });

  it('counts a record with the last arrival of its snapshots, however late', () => {
    const arrivals = new Map([
      ['on-time', new Date(NOW.getTime() - 10 * DAY + 60_000)],
      ['late-a', new Date(NOW.getTime() - 3 * DAY)],
      ['late-b', new Date(NOW.getTime() - 2 * DAY)],
    ]);
    const evidence = weighRecords([record('on-time', at(10 * DAY), ['on-time']), record('late', at(10 * DAY), ['late-a', 'late-b'])], arrivals, NOW, NO_NAMERS);
    expect(evidence.counted.map((c) => [c.record.backupId, c.arrivedAt])).toEqual([
      ['on-time', at(10 * DAY - 60_000)],
      ['late', at(2 * DAY)],
    ]);
    expect(evidence.notCounted).toEqual([]);
  });

  it('leaves out a record starting after the clock (beyond the skew), and sets aside a committed one with none of its snapshots in the vault', () => {
    const evidence = weighRecords(
      [
        record('future', new Date(NOW.getTime() + CLOCK_SKEW_MS + 1).toISOString(), ['f']),
        record('skewed', new Date(NOW.getTime() + CLOCK_SKEW_MS).toISOString(), ['s']),
        record('ghost', at(DAY), ['nowhere']),
        // Not committed: no snapshots expected, counted (as kept) like before.
        record('failed', at(DAY), [], 'FAILED'),
      ],
      new Map([
        ['f', NOW],
        ['s', NOW],
      ]),
      NOW,
      NO_NAMERS,
    );
    expect(evidence.notCounted.map((n) => n.backupId)).toEqual(['future']);
    expect(evidence.ghosts.map((g) => g.backupId)).toEqual(['ghost']);
    expect(evidence.counted.map((c) => c.record.backupId)).toEqual(['skewed', 'failed']);
  });

  it('leaves out a record whose snapshot another record names, and one whose snapshot arrived before the start it claims', () => {
    const arrivals = new Map([
      ['shared', new Date(at(5 * DAY))],
      ['early', new Date(at(5 * DAY))],
      ['within-skew', new Date(NOW.getTime() - 2 * DAY - CLOCK_SKEW_MS)],
    ]);
    const namers = new Map([['shared', new Set(['a', 'b'])]]);
    const evidence = weighRecords(
      [record('a', at(5 * DAY), ['shared']), record('claims-later', at(2 * DAY), ['early']), record('skewed', at(2 * DAY), ['within-skew'])],
      arrivals,
      NOW,
      namers,
    );
    expect(evidence.notCounted).toEqual([
      { backupId: 'a', reason: 'its snapshot shared is named by the record of b too; neither counted nor forgotten' },
      { backupId: 'claims-later', reason: `its snapshot reached this vault at ${at(5 * DAY)}, before the start it claims (${at(2 * DAY)}); neither counted nor forgotten` },
    ]);
    expect(evidence.counted.map((c) => c.record.backupId)).toEqual(['skewed']);
  });

  it("shows a record's start, snapshot id and the other records' ids escaped in its reasons, once (f62T)", () => {
    const forged = '\n\u001b[31m\u009b\u202e';
    const shown = '\\u000a\\u001b[31m\\u009b\\u202e';
    // V8's Date.parse skips a parenthesized comment: a start that parses may still hold a newline or ESC.
    const future = `${new Date(NOW.getTime() + 2 * DAY).toUTCString()} (${forged})`;
    const early = `${new Date(at(2 * DAY)).toUTCString()} (${forged})`;
    expect([Date.parse(future), Date.parse(early)]).toEqual([NOW.getTime() + 2 * DAY, NOW.getTime() - 2 * DAY]);
    const evidence = weighRecords(
      [record('future', future, ['f']), record(`a${forged}`, at(5 * DAY), [`shared${forged}`]), record('claims-later', early, ['early'])],
      new Map([
        ['f', NOW],
        [`shared${forged}`, new Date(at(5 * DAY))],
        ['early', new Date(at(5 * DAY))],
      ]),
      NOW,
      // As forget-backups gives them: raw, a record that cannot be read named `<id> (unreadable)`.
      new Map([[`shared${forged}`, new Set([`a${forged}`, `b${forged}`, `c${forged} (unreadable)`])]]),
    );
    expect(evidence.notCounted.map((n) => n.reason)).toEqual([
      // A start as the instant it parses to, never its text (review r63U F2).
      `starts ${new Date(NOW.getTime() + 2 * DAY).toISOString()}, after this run's clock (${NOW.toISOString()}): no backup of this environment does; neither counted nor forgotten`,
      `its snapshot shared${shown} is named by the record of b${shown}, c${shown} (unreadable) too; neither counted nor forgotten`,
      `its snapshot reached this vault at ${at(5 * DAY)}, before the start it claims (${new Date(NOW.getTime() - 2 * DAY).toISOString()}); neither counted nor forgotten`,
    ]);
  });

  it('takes no arrival from after its own clock (a run with a set clock)', () => {
    const evidence = weighRecords([record('old', at(30 * DAY), ['x'])], new Map([['x', new Date(NOW.getTime() + 90 * DAY)]]), NOW, NO_NAMERS);
    expect(evidence.counted.map((c) => c.arrivedAt)).toEqual([undefined]);
  });
});
