import { type VaultStore } from '../backend/vault-store';
import { DATA_PREFIX, INDEX_PREFIX, KEYS_PREFIX, MANIFEST_PREFIX, SNAPSHOTS_PREFIX } from './vault-layout';

/** Prune's state (`prune/policy`, `prune/condemned/`, `prune/running/`): only a prune of an opened vault writes there. */
const PRUNE_STATE_PREFIX = 'prune/';

/**
 * How long a vault init may hold a key object without its config: it writes the key, then the config, within one
 * run (a Lambda's 15 minutes at most). A key object younger than this beside no config is an init under way.
 */
export const KEY_OBJECT_INIT_WINDOW_MS = 60 * 60 * 1000;

export type OrphanedObjectsOptions = {
  /**
   * Count key objects too, those older than KEY_OBJECT_INIT_WINDOW_MS at `now` (or of no known age): an open asks
   * this, since such a bucket had a vault or a failed init. An init must not: a concurrent init (two first
   * backups at once) and the retry of one that failed after writing its key both find a key object beside no config.
   * @default key objects are not counted
   */
  readonly keyObjects?: { readonly now: Date };
};

/**
 * Where a store without a `config` object still holds what only a vault with one writes (snapshots,
 * indexes, manifests, packs, prune state; with `keyObjects`, key objects no init is writing): the first
 * such prefix found, or undefined. Such a bucket had a vault and lost its config (an emptied bucket whose
 * deletes stopped short); `vault init` there would make a new master key under which none of those objects opens.
 */
export async function vaultObjectsWithoutConfig(store: VaultStore, options: OrphanedObjectsOptions = {}): Promise<string | undefined> {
  for (const prefix of [SNAPSHOTS_PREFIX, INDEX_PREFIX, MANIFEST_PREFIX, DATA_PREFIX, PRUNE_STATE_PREFIX]) {
    for await (const _key of store.list(prefix)) return prefix;
  }
  if (options.keyObjects && (await hasSettledKeyObject(store, options.keyObjects.now))) return KEYS_PREFIX;
  return undefined;
}

/**
 * A key object older than an init takes. One whose age the store does not tell (a directory, memory) does not
 * count: an init under way or failed there cannot be told from a leftover, and opening it says "no vault" as
 * before (review 43d F1).
 */
async function hasSettledKeyObject(store: VaultStore, now: Date): Promise<boolean> {
  if (!store.listWithSizes) return false;
  for await (const { lastModified } of store.listWithSizes(KEYS_PREFIX)) {
    if (lastModified !== undefined && now.getTime() - lastModified.getTime() >= KEY_OBJECT_INIT_WINDOW_MS) return true;
  }
  return false;
}

/** What to say of a vault whose config is missing while `prefix` holds its objects. */
export function lostConfigAdvice(location: string, prefix: string): string {
  if (prefix === KEYS_PREFIX) {
    return (
      `${location} holds key objects (${prefix}…) older than a vault init takes, but no config object: either its config was deleted with the rest ` +
      'of the vault, or an init failed after writing its key. Do not run `lifeboat vault init` here before you know which. ' +
      'If backups were stored here, bring the config object back (an S3 noncurrent version of `config`, or a copy of the directory) with the other objects; ' +
      'if none ever was, the key objects are a failed init\'s, and the next init (an environment\'s first backup) creates the vault beside them.'
    );
  }
  return (
    `${location} holds vault objects (${prefix}…) but no config object: the config was deleted or lost. ` +
    'Do not run `lifeboat vault init` here: it would make a new master key, and no snapshot stored there would open under it. ' +
    'Bring the config object back (an S3 noncurrent version of `config`, or a copy of the directory), then open the vault again.'
  );
}
