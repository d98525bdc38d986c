import { unseenJsonEscaped } from '../runtime/quoted-service-words';
import { shellWord } from '../runtime/shell-word';

/**
 * The AWS CLI's delete of one catalog item, as the failover's and drill's refusal (UnreadableNewerBackupError) and the
 * doctor print it, and read back from such a text: a local run's CLI prints the same delete against the local cloud
 * (review r62C F2), built here too so that the two forms cannot drift apart.
 */

export type CatalogItemKey = { readonly pk: string; readonly sk: string };

/** One printed delete: the catalog's region (`<its region>` when the printer did not know it), table and item. */
export type CatalogItemDelete = { readonly region: string; readonly table: string; readonly key: CatalogItemKey };

/** Where the region is unknown to the printer: the reader must fill it in (never the case for the doctor). */
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
  return `${awsCli} dynamodb delete-item --region ${item.region} --table-name ${item.table} --key ${shellWord(json)}${ONLY_IF_THERE}`;
}

// shellWord's quote inside a single-quoted word: close, an escaped quote, open again.
const QUOTE_IN_WORD = "'\\''";
const HEAD = / dynamodb delete-item --region (<its region>|\S+) --table-name (\S+) --key $/;
const AWS = 'aws';

/**
 * The `aws dynamodb delete-item …` commands (catalogItemDeleteCommand's, with `aws`) that `text` ends with, joined by
 * `; `, in order; with `rest` the text before the first. Read from the end: a damaged key is any string, and a key
 * elsewhere in the text (a record's name, its error) may hold the words of a command, but not at the end, where the
 * printer put its own commands. Empty when the text does not end with one.
 */
export function catalogItemDeletesEnding(text: string): { deletes: CatalogItemDelete[]; rest: string } {
  const deletes: CatalogItemDelete[] = [];
  let rest = text;
  let read = lastDelete(text);
  while (read !== undefined) {
    deletes.unshift(read.item);
    rest = read.before;
    read = rest.endsWith('; ') ? lastDelete(rest.slice(0, -2)) : undefined;
  }
  return { deletes, rest };
}

function lastDelete(command: string): { item: CatalogItemDelete; before: string } | undefined {
  if (!command.endsWith(ONLY_IF_THERE)) return undefined;
  const text = command.slice(0, -ONLY_IF_THERE.length);
  const close = text.length - 1;
  if (text[close] !== "'") return undefined;
  // Back to the opening quote: every quote within the word is part of a QUOTE_IN_WORD; the opening one follows a space.
  let open = close - 1;
  while (open >= 0) {
    if (text[open] === "'") {
      if (open >= 3 && text.slice(open - 3, open + 1) === QUOTE_IN_WORD) {
        open -= 4;
        continue;
      }
      break;
    }
    open -= 1;
  }
  if (open < 0) return undefined;
  const head = HEAD.exec(text.slice(0, open));
  if (head === null) return undefined;
  const start = head.index - AWS.length;
  if (start < 0 || text.slice(start, head.index) !== AWS) return undefined;
  const key = itemKeyOf(text.slice(open + 1, close).split(QUOTE_IN_WORD).join("'"));
  if (key === undefined) return undefined;
  return { item: { region: head[1]!, table: head[2]!, key }, before: text.slice(0, start) };
}

function itemKeyOf(json: string): CatalogItemKey | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Object.keys(parsed).length !== 2) return undefined;
  const { pk, sk } = parsed as { pk?: unknown; sk?: unknown };
  const pkS = attributeString(pk);
  const skS = attributeString(sk);
  return pkS !== undefined && skS !== undefined ? { pk: pkS, sk: skS } : undefined;
}

function attributeString(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Object.keys(value).length !== 1) return undefined;
  const s = (value as { S?: unknown }).S;
  return typeof s === 'string' ? s : undefined;
}
