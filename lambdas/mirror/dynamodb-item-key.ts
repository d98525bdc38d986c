import { type AttributeValue } from '@aws-sdk/client-dynamodb';
import { z } from 'zod';

/**
 * Attribute values as JSON with map keys sorted and binary values as base64 strings, so two equal items
 * give the same text whatever the order of their attributes or the class of their byte arrays.
 */
export function canonicalAttributes(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalAttributes).join(',')}]`;
  if (value instanceof Uint8Array) return JSON.stringify(Buffer.from(value).toString('base64'));
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return `{${entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => `${JSON.stringify(k)}:${canonicalAttributes(v)}`).join(',')}}`;
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
