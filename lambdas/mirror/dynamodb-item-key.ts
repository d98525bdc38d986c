import { createHash } from 'node:crypto';
import { type AttributeValue } from '@aws-sdk/client-dynamodb';
import { z } from 'zod';
import { encodeItemText, ItemCodecError } from '../sources/dynamodb-item-codec';

const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** How canonicalAttributes writes the members of a set (SS, NS, BS): sorted, or in the order given (versions before audit b5-4). */
export type SetOrder = 'sorted' | 'as given';

const SET_TYPES: ReadonlySet<string> = new Set(['SS', 'NS', 'BS']);

/**
 * Attribute values as JSON with map keys sorted and binary values as base64 strings, so two equal items
 * give the same text whatever the order of their attributes or the class of their byte arrays. A set's
 * members are sorted by their text too (`sets` 'sorted', the default): DynamoDB does not keep a set's order,
 * so two copies of one set may read in two orders (audit b5-4: such an item was a difference). DynamoDB
 * trims a number's leading and trailing zeroes when it stores it, so an NS member's text is compared as read.
 * 'as given' writes the text of earlier versions, whose digests (replicaCopyDigest) a record may still hold.
 */
export function canonicalAttributes(value: unknown, sets: SetOrder = 'sorted'): string {
  const canonical = (v: unknown): string => canonicalAttributes(v, sets);
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value instanceof Uint8Array) return JSON.stringify(Buffer.from(value).toString('base64'));
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    // An array under SS, NS or BS is a set's members: under a map's key (a user's attribute named "SS") is an attribute value, never an array.
    const member = (k: string, v: unknown): string =>
      sets === 'sorted' && SET_TYPES.has(k) && Array.isArray(v) ? `[${v.map(canonical).sort(byCodeUnit).join(',')}]` : canonical(v);
    return `{${entries.sort(([a], [b]) => byCodeUnit(a, b)).map(([k, v]) => `${JSON.stringify(k)}:${member(k, v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * An item's key as the mirror check stores it (a difference's `key`, the window's cursor):
 * `{"pk":{"S":"a"},"sk":{"N":"1.5"}}`, a binary attribute as `{"B":"<base64>"}`. Key attributes are
 * only ever S, N or B, so the text reads back into the very key (itemKeyOf).
 */
export const itemKeyText = (key: Record<string, AttributeValue>): string => canonicalAttributes(key);

/** A byte array as JSON.stringify wrote one into a cursor of an earlier version: a Uint8Array as `{"0":1,…}`, a Buffer as `{"type":"Buffer","data":[…]}`. */
const legacyBytes = z.union([
  z.object({ type: z.literal('Buffer'), data: z.array(z.number().int().min(0).max(255)) }).transform((b) => Uint8Array.from(b.data)),
  z
    .record(z.string().regex(/^\d+$/), z.number().int().min(0).max(255))
    .refine((r) => Object.keys(r).every((k, i) => Number(k) === i), { message: 'byte indexes must run 0, 1, 2, …' })
    .transform((r) => Uint8Array.from(Object.values(r))),
]);

const keyAttribute = z.union([
  z.strictObject({ S: z.string() }),
  z.strictObject({ N: z.string().min(1) }),
  z.strictObject({ B: z.union([z.base64().transform((b) => Uint8Array.from(Buffer.from(b, 'base64'))), legacyBytes]) }),
], { error: 'a key attribute is {"S":<string>}, {"N":<number as a string>} or {"B":<base64>}' });

const itemKeySchema = z.record(z.string().min(1), keyAttribute).refine((k) => Object.keys(k).length >= 1 && Object.keys(k).length <= 2, { message: 'a key has one or two attributes' });

/** Text that is not an item's key in the form itemKeyText writes (or an earlier version's cursor): says what it is and why not. */
export class ItemKeyTextError extends Error {
  override readonly name = 'ItemKeyTextError';
}

/** The key an itemKeyText (or an earlier version's JSON.stringify of a key) stands for, with binary attributes as bytes again. */
export function itemKeyOf(text: string): Record<string, AttributeValue> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ItemKeyTextError(`${JSON.stringify(text)} is not a DynamoDB item key: it is not JSON (${(err as Error).message})`, { cause: err });
  }
  const parsed = itemKeySchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(key)'}: ${i.message}`).join('; ');
    throw new ItemKeyTextError(`${JSON.stringify(text)} is not a DynamoDB item key: ${problems}`);
  }
  return parsed.data as Record<string, AttributeValue>;
}

const sha256Hex = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

/**
 * An item's key named without its values: `item with key ("email") sha256:<hex>`. A key is made of the
 * item's own attribute values (an email, an account number), so what leaves the catalog — the mirror
 * check's output and cause in the execution's history, a failover's reason, `lifeboat status` — names the
 * key attributes and a digest only (docs/SECURITY.md, "Logs"). The digest is the SHA-256 of the key's
 * canonical DynamoDB JSON (encodeItemText, the digest backups take of a key for their page boundaries,
 * lambdas/sources/dynamodb-page-entries.ts), which is the very text the `MIRROR#` item holds
 * (itemKeyText): `printf %s '<key>' | sha256sum` matches it. Text that is no key (a damaged record) is
 * named by the digest of the text itself, still without its values.
 */
export function itemKeyLabel(text: string): string {
  let key: Record<string, AttributeValue>;
  try {
    key = itemKeyOf(text);
  } catch (err) {
    if (err instanceof ItemKeyTextError) return `item key sha256:${sha256Hex(text)} (not an item key Lifeboat reads)`;
    throw err;
  }
  let canonical: string;
  try {
    canonical = encodeItemText(key);
  } catch (err) {
    // A key itemKeyOf accepts and the codec refuses (an N that is no decimal number): the text is its only form.
    if (!(err instanceof ItemCodecError)) throw err;
    canonical = text;
  }
  const names = Object.keys(key).sort(byCodeUnit).map((name) => JSON.stringify(name)).join(', ');
  return `item with key (${names}) sha256:${sha256Hex(canonical)}`;
}
