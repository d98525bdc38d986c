import { listedOutstanding, type ScrubRunRecord } from '../catalog/scrub-record';
import { type VaultSide } from '../runtime/runtime-config';

/**
 * How the previous record holds an object as lost (no good copy in either vault): `listed`, an outstanding entry with no
 * good copy and no other copy known; `counted`, a key within the range of an unlisted group that counts objects with
 * no copy (`lost`), which may be that object.
 */
export type EarlierLoss = 'listed' | 'counted';

/** What the previous record knew lost of an object in a vault (earlierLosses): undefined when it did not. */
export type EarlierLosses = (vault: VaultSide, key: string, problem: 'corrupt' | 'missing') => EarlierLoss | undefined;

/**
 * The objects the `previous` record holds as lost, for a run whose other vault cannot be opened: that copy unread, it
 * would be merely unverified, and a one-vault run while the DR region was down recorded a known loss REPAIRABLE, its
 * backups dropped from `affectedBackups` and status "within objectives", run after run (review r64T F1). An earlier
 * unverified, refused, archived or good copy is no loss.
 */
export function earlierLosses(previous: ScrubRunRecord | undefined): EarlierLosses {
  const listed = new Set(
    listedOutstanding(previous?.outstanding)
      .filter((o) => !o.goodCopy && o.otherCopy === undefined)
      .map((o) => `${o.vault} ${o.key}`),
  );
  const groups = (previous?.outstanding?.notListedGroups ?? []).filter((g) => g.lost === true && g.first !== undefined && g.last !== undefined);
  return (vault, key, problem) => {
    if (listed.has(`${vault} ${key}`)) return 'listed';
    const counted = groups.some((g) => g.problem === problem && g.vaults.includes(vault) && key >= (g.first as string) && key <= (g.last as string));
    return counted ? 'counted' : undefined;
  };
}
