import { type VaultSide } from '../runtime/runtime-config';
import { otherSide } from './other-side';

/** Packs named in the reason; the count covers them all. */
const PACKS_NAMED = 3;

/**
 * Why an index object is not copied into `side` (scrub-repairs.ts): it lists packs (`lacked`, their keys) the vault
 * lacks or holds damaged, which this run did not repair there. A backup deduplicates against the index alone (PackSink:
 * an indexed blob is not stored again, and its pack is not looked at), so with the object copied the next backup into
 * that vault skipped the blobs of a lost pack and referenced data that is not there (fix f58Q); a restore of that new
 * backup failed for the files whose blobs the pack held. Left out, those blobs are in no index of the vault: a backup
 * stores them again where the source still has them, and a prune stops (IncompleteIndexError) rather than delete packs
 * no index lists. The way out named is the one IncompleteIndexError names: the index rebuilt from the packs the vault
 * holds, then the sources backed up again.
 */
export function indexCopyHeldBackReason(side: VaultSide, lacked: readonly string[]): string {
  const named = `${lacked.slice(0, PACKS_NAMED).join(', ')}${lacked.length > PACKS_NAMED ? ` and ${lacked.length - PACKS_NAMED} more` : ''}`;
  return (
    `held back: it lists ${lacked.length} pack(s) the ${side} vault lacks or holds damaged, which this run did not repair there (${named}: see their findings); ` +
    `copied, it would tell the next backup into the ${side} vault that their blobs are stored, and that backup would reference data that is not there. ` +
    `If the ${otherSide(side)} vault's copy of each is good, the next scrub with repair copies them, then this object; ` +
    `if one is lost (damaged or missing in both vaults), rebuild the ${side} vault's index from the packs it holds with \`lifeboat repair-index --env <env> --vault ${side}\`, ` +
    `then back up again the sources whose backups the lost pack's finding names (docs/RUNBOOKS.md, "Scrub")`
  );
}
