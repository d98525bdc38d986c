import { type VaultSide } from '../runtime/runtime-config';

/** A snapshot of the backup `lifeboat backups forget --lost` weighs, lost in both vaults: how it is in each. */
export type LostSnapshot = { readonly snapshotId: string; readonly states: ReadonlyArray<{ readonly side: VaultSide; readonly state: 'missing' | 'corrupt' }> };

const RUNBOOK = 'docs/RUNBOOKS.md, "A backup lost in both vaults"';

/** "the primary vault", "the primary and dr vaults". */
function vaults(sides: readonly VaultSide[]): string {
  return `the ${sides.join(' and ')} vault${sides.length > 1 ? 's' : ''}`;
}

const corruptIn = (lost: LostSnapshot): VaultSide[] => lost.states.filter((s) => s.state === 'corrupt').map((s) => s.side);
const missingIn = (lost: LostSnapshot): VaultSide[] => lost.states.filter((s) => s.state === 'missing').map((s) => s.side);

/** Deleting a corrupt snapshot object by hand, and what that costs: said only once a newer backup is verified. */
function deleteByHand(snapshotId: string, sides: readonly VaultSide[], cost: string): string {
  return (
    `, once a newer committed backup of the source holds what you need (\`lifeboat verify --backup <newer id>\`), delete the corrupt object by hand ` +
    `(\`aws s3 rm s3://<vault bucket>/snapshots/${snapshotId}\`, in ${vaults(sides)}): ${cost}`
  );
}

/**
 * What happens to a backup refused because the tree of `lost` still reads (review r59C F2), and the ways out. Until then
 * the refusal said "back its source up again … and leave the backup (a prune … stops on it until then)": until nothing.
 * A corrupt snapshot object stops every prune of its vault for good (retention never forgets a backup one of whose
 * snapshots it cannot read, and --lost refuses while the tree reads); a missing one stops the prune workflow and
 * `lifeboat prune` of its vault (the catalog still records the backup) until retention forgets it.
 */
export function treeReadsAdvice(lost: LostSnapshot, rootHash: string): string {
  const corrupt = corruptIn(lost);
  const missing = missingIn(lost);
  const whileKept = [
    ...(corrupt.length > 0
      ? [
          `while snapshots/${lost.snapshotId} is corrupt in ${vaults(corrupt)}, every prune there stops on it, and nothing ends that by itself: ` +
            'retention never forgets a backup one of whose snapshots it cannot read, and this command refuses while the tree reads',
        ]
      : []),
    ...(missing.length > 0
      ? [`where it is missing (${vaults(missing)}), the prune workflow and \`lifeboat prune\` stop, naming this backup, until its plan's retention forgets it, and the prune after that condemns what only this tree references`]
      : []),
  ];
  const ways = [
    ` an older intact version of the object in the vault bucket (${RUNBOOK})`,
    ` the data read from the tree by hand (docs/FORMAT.md §9, from manifest/${rootHash})`,
    ...(corrupt.length > 0
      ? [
          deleteByHand(
            lost.snapshotId,
            corrupt,
            "the prune then stops on this backup as one whose snapshot object is missing until its plan's retention forgets it, and the prune after that condemns what only this tree references, deleted after the grace: that data is then gone for good",
          ),
        ]
      : []),
  ];
  return `No lifeboat command restores a tree without its snapshot object, so the backup is kept; ${whileKept.join('; ')}. Ways out:${ways.join('; or')}`;
}

/**
 * What happens to a backup of several sources refused because some read while others are lost in both vaults (review
 * r59C F3): the refusal said retention would forget it, but retention leaves a backup one of whose snapshots it cannot
 * read in place for good (forget-backups.ts, disputeOf), and a missing one stops the prune of its vault meanwhile.
 */
export function partlyLostNote(lost: readonly LostSnapshot[]): string {
  const corrupt = lost.filter((l) => corruptIn(l).length > 0);
  const described = lost.map((l) => `snapshot ${l.snapshotId} (${l.states.map((s) => `${s.state} in the ${s.side} vault`).join(', ')})`);
  const fate =
    corrupt.length > 0
      ? corrupt
          .map(
            (l) =>
              `the retention of ${vaults(corruptIn(l))} will not forget it while snapshots/${l.snapshotId} is corrupt there (it cannot tell whose that snapshot is: "left in place"), and every prune there stops on that object: ` +
              `bring an older intact version back, or${deleteByHand(
                l.snapshotId,
                corruptIn(l),
                "the prune then stops on this backup as one whose snapshot object is missing until retention forgets it, when its plan's policy lets it go, and the prune after that condemns what only its sources reference, the ones that read included",
              )}`,
          )
          .join('; ')
      : "its plan's retention forgets it when the policy lets it go; until then the prune workflow and `lifeboat prune` of a vault whose catalog records it stop, naming it (its snapshot object is missing), unless an older version of the object is brought back";
  return `; lost in both vaults: ${described.join(', ')}, but a backup is forgotten whole, and its other snapshots still restore, so it is kept: ${fate} (${RUNBOOK})`;
}
