import { unseenJsonEscaped } from '../runtime/quoted-service-words';
import { shellWord } from '../runtime/shell-word';

/**
 * The AWS CLI's delete of one catalog item, as the failover's and drill's refusal (UnreadableNewerBackupError), the
 * doctor and the format marker's refusals print it; in the local cloud, against its endpoint (review r62C F2). Never
 * read back from a printed text: a damaged key may hold the words of another item's delete (review r62H F1).
 */

export type CatalogItemKey = { readonly pk: string; readonly sk: string };

/**
 * One printed delete: the catalog's region (`<its region>` when the printer did not know it; absent: the CLI's own,
 * for a marker a workflow read without knowing its region), table and item.
 */
export type CatalogItemDelete = { readonly region?: string | undefined; readonly table: string; readonly key: CatalogItemKey };

/**
 * Invalid items `lifeboat doctor` reports one by one at most in a catalog, the rest in one line (a history of many
 * pre-vault records would flood the report). The failover's refusal and forget's report say how many it names: one
 * number, so they cannot tell another than the doctor prints.
 */
export const INVALID_ITEM_LINES = 10;

/** Where the region is unknown to the printer: the operator fills it in (never the case for the doctor). */
export const UNKNOWN_REGION = '<its region>';

/**
 * Without it, a delete whose key matches no item (mistyped, or sent to another table, region or endpoint) deletes
 * nothing and exits 0, as if it had worked; with it, such a miss fails with ConditionalCheckFailedException (review r62C F3).
 */
const ONLY_IF_THERE = " --condition-expression 'attribute_exists(pk)'";

/**
 * `awsCli dynamodb delete-item …` for a POSIX shell; the key's C1, bidi and format characters as \uXXXX, which the CLI
 * reads as the same item (review r61AE F4). `awsCli`: `aws`, or the AWS CLI pointed at the local cloud.
 */
export function catalogItemDeleteCommand(item: CatalogItemDelete, awsCli = 'aws'): string {
  const json = unseenJsonEscaped(JSON.stringify({ pk: { S: item.key.pk }, sk: { S: item.key.sk } }));
  return `${awsCli} dynamodb delete-item${item.region !== undefined ? ` --region ${item.region}` : ''} --table-name ${item.table} --key ${shellWord(json)}${ONLY_IF_THERE}`;
}
