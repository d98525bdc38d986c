import { itemKeyLabel } from './dynamodb-item-key';
import { type MirrorDifference, type MirrorRecord } from './mirror-record';

type MirroredType = MirrorRecord['type'];

/**
 * How a difference's key is named outside the catalog — in the mirror check's output and cause (the
 * execution's history), a failover's reason and `lifeboat status`: an S3 key or a file's path as it is
 * (names of the data, which docs/SECURITY.md item 6 lets messages quote), a DynamoDB item's key by its
 * attribute names and digest (itemKeyLabel), never its values. Only the `MIRROR#` item holds the key
 * itself, where the next run re-checks it.
 */
export function reportedKey(type: MirroredType, key: string): string {
  return type === 'dynamodb' ? itemKeyLabel(key) : key;
}

/** A difference as it may leave the catalog: its key as reportedKey names it. */
export function reportedDifference(type: MirroredType, difference: MirrorDifference): MirrorDifference {
  return { ...difference, key: reportedKey(type, difference.key) };
}

/** The differing key in a sentence: `key "site/a.txt"`, or `item with key ("email") sha256:…` for a DynamoDB item. */
export function differingKeyText(type: MirroredType, key: string): string {
  return type === 'dynamodb' ? itemKeyLabel(key) : `key ${JSON.stringify(key)}`;
}
