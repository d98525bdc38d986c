import { z } from 'zod';
import { SNAPSHOTS_PREFIX } from '../../vault';
import { compareByCodeUnit } from '../replication/sorted-keys';
import { type OutstandingScrubObject } from './scrub-record';

/**
 * Snapshot ids a scrub record keeps of copied-in entries past its listed ones (`copiedInObjects`), so that each run
 * checks them again in turn (copied-in-recheck.ts) instead of counting them only, which no run could check (review
 * r57W F2). A 64-hex id costs about 65 bytes of the DynamoDB item: 1,000 take about 65 KB, which the fullest record
 * holds beside every other list at its cap and AFFECTED_BACKUPS_LISTED backup ids (scrub-outstanding.test.ts weighs it
 * by local/cloud/table-size.ts, itemSizeBytes, under 400 KB).
 */
export const OUTSTANDING_COPIED_IN_IDS_KEPT = 1_000;

/**
 * Groups of those ids a record keeps: one per vault, problem, kind of copy and last check (a run checks a handful, so
 * each run adds about one). Past it the groups of one kind whose last checks are the latest are merged, keeping the
 * earlier check (they are then checked sooner, never later). 16 kinds (2 vaults, 2 problems, 3 copies and an
 * unverified one refused): room to merge.
 */
export const OUTSTANDING_COPIED_IN_ID_GROUPS = 40;

/**
 * What is known of the copy of a copied-in entry kept by id: `lost` (no good copy, none unverified: its backups are not
 * kept with the id, and status names them from the catalog, the records whose sources list it), `unverified` (its check
 * could not finish), `good` (it reads only across both vaults: REPAIRABLE).
 */
const copyKindSchema = z.enum(['lost', 'unverified', 'good']);
type CopyKind = z.infer<typeof copyKindSchema>;

/**
 * Copied-in entries of one vault, problem, kind of copy and last check kept by snapshot id. `since`: the earliest found
 * of them (each is read back with it); `lastChecked`: when a run last checked them again, absent when none did.
 * `refused`: of `copy: 'unverified'`, the entries' `otherCopyRefused` (scrub-record.ts), which the ids past the listed
 * ones lost, so status said the next scrub with repair verifies them (review r64C F3). A flag, not a fourth `copy`: the
 * enum is strict, and a CLI from before would refuse the whole record, where its z.object drops a key it does not know
 * and reads them unverified, as before. Absent otherwise, and in records written before it was kept.
 */
export const copiedInIdGroupSchema = z.object({
  vault: z.enum(['primary', 'dr']),
  problem: z.enum(['corrupt', 'missing']),
  copy: copyKindSchema,
  refused: z.literal(true).optional(),
  since: z.string().min(1),
  lastChecked: z.string().min(1).optional(),
  ids: z.array(z.string().min(1)).min(1),
});
export type CopiedInIdGroup = z.infer<typeof copiedInIdGroupSchema>;

/** The groups a record keeps: at most OUTSTANDING_COPIED_IN_ID_GROUPS, OUTSTANDING_COPIED_IN_IDS_KEPT ids in all. */
export const copiedInIdGroupsSchema = z
  .array(copiedInIdGroupSchema)
  .max(OUTSTANDING_COPIED_IN_ID_GROUPS)
  .refine((groups) => groups.reduce((n, g) => n + g.ids.length, 0) <= OUTSTANDING_COPIED_IN_IDS_KEPT, {
    message: `a scrub record keeps at most ${OUTSTANDING_COPIED_IN_IDS_KEPT} copied-in snapshot ids`,
  });

const kindOf = (o: OutstandingScrubObject): CopyKind => (o.goodCopy ? 'good' : o.otherCopy !== undefined ? 'unverified' : 'lost');
const refusedOf = (o: OutstandingScrubObject): Pick<CopiedInIdGroup, 'refused'> => (kindOf(o) === 'unverified' && o.otherCopyRefused === true ? { refused: true } : {});
const kindKey = (g: Pick<CopiedInIdGroup, 'vault' | 'problem' | 'copy' | 'refused'>): string => `${g.vault} ${g.problem} ${g.copy}${g.refused === true ? ' refused' : ''}`;

/**
 * The copied-in `entries` (snapshot objects) kept by id, grouped; at most OUTSTANDING_COPIED_IN_ID_GROUPS groups. The
 * caller keeps at most OUTSTANDING_COPIED_IN_IDS_KEPT of them.
 */
export function copiedInIdGroups(entries: readonly OutstandingScrubObject[]): CopiedInIdGroup[] {
  const byKey = new Map<string, CopiedInIdGroup>();
  for (const o of entries) {
    if (!o.key.startsWith(SNAPSHOTS_PREFIX)) continue;
    const copy = kindOf(o);
    const refused = refusedOf(o);
    const at = `${kindKey({ vault: o.vault, problem: o.problem, copy, ...refused })} ${o.lastChecked ?? ''}`;
    const g = byKey.get(at);
    const id = o.key.slice(SNAPSHOTS_PREFIX.length);
    if (g === undefined) {
      byKey.set(at, { vault: o.vault, problem: o.problem, copy, ...refused, since: o.since, ...(o.lastChecked !== undefined ? { lastChecked: o.lastChecked } : {}), ids: [id] });
    } else {
      // Appended in place: a copy per id made grouping quadratic in the entries of one group.
      g.ids.push(id);
      if (compareByCodeUnit(o.since, g.since) < 0) g.since = o.since;
    }
  }
  const groups = [...byKey.values()];
  while (groups.length > OUTSTANDING_COPIED_IN_ID_GROUPS) {
    // Of the kind with the most groups, the two checked last are merged under the earlier check.
    const counts = new Map<string, number>();
    for (const g of groups) counts.set(kindKey(g), (counts.get(kindKey(g)) ?? 0) + 1);
    const kind = [...counts].sort((a, b) => b[1] - a[1])[0]?.[0] as string;
    const ofKind = groups.filter((g) => kindKey(g) === kind).sort((a, b) => compareByCodeUnit(a.lastChecked ?? '', b.lastChecked ?? ''));
    const [earlier, later] = ofKind.slice(-2) as [CopiedInIdGroup, CopiedInIdGroup];
    const merged: CopiedInIdGroup = { ...earlier, since: compareByCodeUnit(earlier.since, later.since) <= 0 ? earlier.since : later.since, ids: [...earlier.ids, ...later.ids] };
    groups.splice(groups.indexOf(later), 1);
    groups.splice(groups.indexOf(earlier), 1, merged);
  }
  return groups;
}

/** The entries a record's id groups stand for, each read back as an outstanding copied-in entry without backups. */
export function copiedInIdEntries(groups: readonly CopiedInIdGroup[] | undefined): OutstandingScrubObject[] {
  return (groups ?? []).flatMap((g) =>
    g.ids.map(
      (id): OutstandingScrubObject => ({
        vault: g.vault,
        key: `${SNAPSHOTS_PREFIX}${id}`,
        problem: g.problem,
        goodCopy: g.copy === 'good',
        ...(g.copy === 'unverified' ? { otherCopy: 'unverified' as const, ...(g.refused === true ? { otherCopyRefused: true as const } : {}) } : {}),
        since: g.since,
        // Its backups are not kept with the id: status names a lost one's from the catalog (plan-status.ts,
        // backupsOfLostSnapshots), where until review r58F F1 it was flagged `backupsNotWorkedOut` and every plan was ✗.
        backups: [],
        copiedIn: true,
        ...(g.lastChecked !== undefined ? { lastChecked: g.lastChecked } : {}),
      }),
    ),
  );
}
