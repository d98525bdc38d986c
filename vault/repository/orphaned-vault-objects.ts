import { type VaultStore } from '../backend/vault-store';
import { DATA_PREFIX, INDEX_PREFIX, MANIFEST_PREFIX, SNAPSHOTS_PREFIX } from './vault-layout';

/**
 * Where a store without a `config` object still holds what only a vault with one writes (snapshots,
 * indexes, manifests, packs): the first such prefix found, or undefined. Such a vault lost its
 * config; `vault init` there would make a new master key under which none of those objects opens.
 * Key objects alone do not count: an init in progress (or one that lost a race) writes its key first.
 */
export async function vaultObjectsWithoutConfig(store: VaultStore): Promise<string | undefined> {
  for (const prefix of [SNAPSHOTS_PREFIX, INDEX_PREFIX, MANIFEST_PREFIX, DATA_PREFIX]) {
    for await (const _key of store.list(prefix)) return prefix;
  }
  return undefined;
}

/** What to say of a vault whose config is missing while `prefix` holds its objects. */
export function lostConfigAdvice(location: string, prefix: string): string {
  return (
    `${location} holds vault objects (${prefix}…) but no config object: the config was deleted or lost. ` +
    'Do not run `lifeboat vault init` here: it would make a new master key, and no snapshot stored there would open under it. ' +
    'Bring the config object back (an S3 noncurrent version of `config`, or a copy of the directory), then open the vault again.'
  );
}
