import { type OutstandingScrubObject, type ScrubRunRecord } from '../../../../lambdas/catalog/scrub-record';
import { outstandingAfter } from '../../../../lambdas/replication/scrub-outstanding';
import { type ScrubFinding, type ScrubReport } from '../../../../lambdas/replication/scrub-vaults';

/** The unlisted ("N more") objects of scrub-outstanding.ts against a slice that passed over archived packs. */

const key = (prefix: string, i: number): string => `data/${prefix}/${String(i).padStart(62, '0')}`;
const EARLIER = '2026-11-20T03:00:00.000Z';
const NOW = '2026-11-27T03:00:00.000Z';

/**
 * A record whose outstanding lists 100 objects outside the slice read next (data/00) and counts 50 more in one group,
 * data/40/…0 to …49, found in the same slice a cycle earlier.
 */
function previousRecord(): ScrubRunRecord {
  const listed = Array.from({ length: 100 }, (_, i): OutstandingScrubObject => ({ vault: 'primary', key: key('00', i), problem: 'corrupt', goodCopy: true, since: EARLIER, backups: [] }));
  const cursor = { cycle: 1, after: 'data/33' };
  return {
    environment: 'dev',
    startedAt: EARLIER,
    endedAt: EARLIER,
    scope: 'both',
    fraction: 1 / 3,
    repair: false,
    cursor,
    nextCursor: { cycle: 1, after: 'data/66' },
    cycleComplete: false,
    objects: 1000,
    read: { primary: 300, dr: 300 },
    corrupt: 50,
    missing: 0,
    repaired: 0,
    repairable: 50,
    unrepaired: 0,
    outcome: 'REPAIRABLE',
    unrepairedKeys: [],
    affectedBackups: [],
    outstanding: {
      objects: listed,
      notListed: 50,
      notListedSince: EARLIER,
      notListedGroups: [{ problem: 'corrupt', first: key('40', 0), last: key('40', 49), vaults: ['primary'], count: 50, since: EARLIER, cycle: 1 }],
    },
  };
}

/** The next cycle's run of the same slice, finding the group's 50 objects still damaged, having passed over `notRead`. */
function sameSliceAgain(notRead: ScrubReport['notRead']): ScrubReport {
  const findings: ScrubFinding[] = Array.from({ length: 50 }, (_, i) => ({ vault: 'primary', key: key('40', i), problem: 'corrupt', detail: 'checksum mismatch', outcome: 'repairable' }));
  return {
    scope: 'both',
    fraction: 1 / 3,
    repair: false,
    cursor: { cycle: 2, after: 'data/33' },
    nextCursor: { cycle: 2, after: 'data/66' },
    cycleComplete: false,
    objects: 1000,
    read: { primary: 300, dr: 300 },
    ...(notRead ? { notRead } : {}),
    findings,
    damage: [],
    ok: false,
  };
}

describe('outstandingAfter: unlisted objects read again in a slice with archived packs', () => {
  it('counts a group afresh when the archived packs the slice passed over lie outside its key range (review rDD F1)', () => {
    // With storage.archive nearly every slice passes over some archived packs: named, and none in data/40.
    const after = outstandingAfter(sameSliceAgain({ primary: { archived: 2, first: [`${key('60', 1)}`, `${key('60', 2)}`] }, dr: { archived: 1, first: [key('50', 0)] } }), NOW, previousRecord());
    // 150 damaged objects: 100 listed, 50 counted once (not the group's 50 and the same 50 found again).
    expect([after.objects.length, after.notListed]).toEqual([100, 50]);
    expect(after.notListedGroups?.map((g) => [g.first, g.last, g.count, g.since])).toEqual([[key('40', 0), key('40', 49), 50, EARLIER]]);
  });

  it('keeps a group whose key range may hold a pack the slice passed over as archived: one named in it, or more archived than named', () => {
    for (const notRead of [{ primary: { archived: 1, first: [`${key('40', 20)}a`] } }, { primary: { archived: 30, first: [key('60', 1)] } }]) {
      const after = outstandingAfter(sameSliceAgain(notRead), NOW, previousRecord());
      // The archived pack may be one of the group's: its count stays beside those found again until a later cycle completes.
      expect([JSON.stringify(notRead), after.notListed]).toEqual([JSON.stringify(notRead), 100]);
    }
  });
});
