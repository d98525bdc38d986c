import { VaultError } from '../vault-errors';

/**
 * `vault repair index` read index objects whose bytes are the ones written under their names (their SHA-256 is their
 * name), and pack headers, and not one of them authenticated under the keys the vault was opened with. Damage changes
 * bytes, which the names then tell, and does not strike every object of a vault at once; another key does: a `config` and key
 * objects replaced by another vault's (or the location of another vault given with this key). Rebuilt from what it
 * could read, the index would be empty and every old index object deleted, so the repair changes nothing and says so.
 */
export class RepairNothingAuthenticatedError extends VaultError {
  override name = 'RepairNothingAuthenticatedError';
  constructor(
    readonly location: string,
    readonly indexObjects: number,
    readonly packHeaders: number,
    /** The first object that failed (its key) and why. */
    readonly example: { readonly key: string; readonly detail: string },
    /** Index objects whose bytes do not hash to their name: damage, which says nothing of the key, so not counted above. */
    readonly damagedIndexObjects = 0,
  ) {
    const damaged = damagedIndexObjects > 0 ? ` (besides ${damagedIndexObjects} index object(s) whose bytes no longer match their name: damage, whatever the key)` : '';
    super(
      `${location}: repair index stops before changing anything: not one of the ${indexObjects} index object(s) and ${packHeaders} pack header(s) it read authenticates under the key this vault was opened with (e.g. ${example.key}: ${example.detail})${damaged}. ` +
        'Damage does not strike every object at once: the vault\'s `config` and key objects (`keys/`) were most likely replaced by another vault\'s (a DR vault holds the same `config` bytes as its primary), or the key and the location are of two different vaults. ' +
        'Rebuilt from these packs, the index would be empty and every old index object deleted. Check the location and the key; put the vault\'s own `config` and `keys/` back (from a copy of the vault or its DR vault), then run `lifeboat vault verify`.',
    );
  }
}
