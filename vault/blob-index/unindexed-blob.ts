import { VaultCorruptionError } from '../vault-errors';
import { type VaultIndex } from './vault-index';

/** What a damaged or missing index object costs is told with the repair, which an environment's vault runs as a runbook. */
const REPAIR_INDEX =
  "`lifeboat vault repair index` (it needs write access to the vault; an environment's vault: its repair-index runbook, `lifeboat repair-index --env <env> --vault <primary|dr>`)";

/**
 * A blob a manifest references that the loaded index does not list (unindexedBlobDetail says what to do). Its own class so
 * that a restore can add what only the snapshot tells: index objects it lists that the vault lacks (missingIndexNote).
 */
export class UnindexedBlobError extends VaultCorruptionError {
  constructor(
    location: string,
    readonly blob: string,
    detail: string,
  ) {
    super(location, `blob ${blob}`, detail);
  }
}

/**
 * What is wrong with a blob a manifest references that the loaded index does not list, and what to
 * do (unindexedBlobNote).
 */
export function unindexedBlobDetail(index: VaultIndex): string {
  return `it is referenced by the manifest but is in no index${unindexedBlobNote(index)}`;
}

/**
 * When the load skipped damaged index objects (Vault.index(), a reader's load), a blob the index lacks
 * may be listed in one of them: they are named with the repair, which needs write access to the vault;
 * a read-only restore can use the other vault (primary or DR) instead, whose copy is likely intact.
 * Empty when no index object was skipped.
 */
export function unindexedBlobNote(index: VaultIndex): string {
  const damaged = index.damagedObjects;
  if (damaged.length === 0) return '';
  return `; ${damaged.length} index object(s) are damaged and were skipped (${damaged.join(', ')}), and may list it: run ${REPAIR_INDEX}, or restore from the other vault (primary or DR)`;
}

/** What verify's look into the packs no index lists found of a blob (vault/checker/unindexed-pack-look.ts), as far as a restore's note needs it. */
export type UnindexedPacksFound = {
  readonly holder: unknown;
  readonly headerUnread: ReadonlySet<string>;
  readonly pastBound: number;
  readonly archived: number;
};

/**
 * What a restore adds to a blob in no index when the snapshot lists index objects the vault lacks (`missing`, their
 * keys). When a pack no index lists holds it intact, or may (`found`: not read, past the look's bounds or archived),
 * `vault repair index` rebuilds the index from the packs' own headers, so a missing index object costs nothing its packs
 * still hold (audit a58B F2: the restore said only "in no index", as if the data were lost). Else a repair would not
 * find it (a repair left it out as damaged, or its pack is gone; review r59B F4: the repair was advised again, a loop):
 * it is damaged or lost in this vault, and the DR vault's copy, a new backup or forgetting the snapshot are the ways
 * out; a pack whose header does not read may still hold it at the offsets the DR vault's index objects give. Said once,
 * for every such file of the restore.
 */
export function missingIndexNote(missing: readonly string[], found: UnindexedPacksFound | { readonly notLooked: string }): string {
  const head = `; the snapshot lists ${missing.length} index object(s) the vault does not hold (${missing.join(', ')})`;
  if ('notLooked' in found || found.holder !== null || found.pastBound + found.archived > 0) {
    // Not looked (the listing of data/ failed: review r59I F4): the packs may hold it, as said before the look existed.
    const notLooked = 'notLooked' in found ? ` (this restore could not look at the packs no index lists: ${found.notLooked})` : '';
    return (
      `${head}, and the packs they listed may still hold it${notLooked}: ` +
      `run ${REPAIR_INDEX} first, which rebuilds the index from the packs' own headers, then restore again (so for every file here whose blob is in no index); or restore from the other vault (primary or DR)`
    );
  }
  const unread = found.headerUnread.size;
  const where =
    unread > 0
      ? `no pack in this vault that no index lists holds it intact where a repair can read it (${unread} such pack(s) have a header that does not read, and may hold it at the offsets the DR vault's index objects give)`
      : 'no pack in this vault that no index lists holds it intact (a repair of the index left it out as damaged, or its pack is gone)';
  return (
    `${head}, and ${where}, so \`vault repair index\` would not find it: the blob is damaged or lost in this vault. ` +
    "Copy the index objects and packs again from the DR vault (the same names hold the same bytes there; an environment's vault: `lifeboat scrub --repair`) or restore from the other vault (primary or DR); " +
    'else back up the source again (the same content heals the snapshot) or forget the snapshot'
  );
}
