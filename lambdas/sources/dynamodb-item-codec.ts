import { type AttributeValue } from '@aws-sdk/client-dynamodb';

/**
 * The canonical byte encoding of a DynamoDB item in a backup. The same item always encodes to the
 * same bytes, whatever order its attributes or set members come in, so unchanged data dedups.
 *
 * The encoding is DynamoDB JSON (`{"name":{"S":"x"}}`) written deterministically, UTF-8:
 * - map and item attribute names in ascending UTF-16 code unit order (JS default sort);
 * - SS and NS members sorted as strings, BS members sorted by their bytes; L keeps its order;
 * - N kept as the exact string DynamoDB returned (full 38-digit precision, never a JS number);
 * - B and BS members as standard base64 (decoded back to Uint8Array);
 * - no whitespace, so an encoded item is one line (see encodeItemLines).
 */
export type DynamoDbItem = Record<string, AttributeValue>;

/** An item, or encoded bytes, that is not a valid DynamoDB AttributeValue map. `path` names the attribute. */
export class ItemCodecError extends Error {
  override readonly name = 'ItemCodecError';
  constructor(
    readonly path: string,
    reason: string,
  ) {
    super(`Cannot encode or decode DynamoDB item at ${path || '(item)'}: ${reason}.`);
  }
}

const NUMBER = /^-?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const json = (s: string): string => JSON.stringify(s);

function checkNumber(n: unknown, path: string): string {
  if (typeof n !== 'string' || !NUMBER.test(n)) throw new ItemCodecError(path, `N must be a decimal number string, got ${typeof n === 'string' ? `a string of ${n.length} characters that is not one` : typeof n}`);
  return n;
}

function checkStrings(values: unknown, path: string, type: string): string[] {
  if (!Array.isArray(values) || !values.every((v) => typeof v === 'string')) throw new ItemCodecError(path, `${type} must be an array of strings`);
  return values as string[];
}

function checkBytes(value: unknown, path: string): Uint8Array {
  if (!(value instanceof Uint8Array)) throw new ItemCodecError(path, 'B must be a Uint8Array');
  return value;
}

const base64 = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');

function encodeValue(value: AttributeValue | undefined, path: string): string {
  // The SDK's response deserializer (@smithy/core 3.41) returns a top-level attribute named `__proto__` as an own property whose value is undefined.
  if (value === undefined || value === null) {
    throw new ItemCodecError(path, 'the attribute has no value (an attribute named __proto__ at the top level of an item comes back from the AWS SDK without its value); rename the attribute in the table, or back it up with an SDK that keeps it');
  }
  if (typeof value !== 'object') throw new ItemCodecError(path, `an AttributeValue must be an object, got ${typeof value}`);
  const types = Object.keys(value).filter((k) => (value as unknown as Record<string, unknown>)[k] !== undefined);
  if (types.length !== 1) throw new ItemCodecError(path, `an AttributeValue has exactly one type, got ${JSON.stringify(types)}`);
  if (value.S !== undefined) {
    if (typeof value.S !== 'string') throw new ItemCodecError(path, 'S must be a string');
    return `{"S":${json(value.S)}}`;
  }
  if (value.N !== undefined) return `{"N":${json(checkNumber(value.N, path))}}`;
  if (value.B !== undefined) return `{"B":${json(base64(checkBytes(value.B, path)))}}`;
  if (value.SS !== undefined) return `{"SS":[${[...checkStrings(value.SS, path, 'SS')].sort(byCodeUnit).map(json).join(',')}]}`;
  if (value.NS !== undefined) {
    const members = checkStrings(value.NS, path, 'NS').map((n, i) => checkNumber(n, `${path}[${i}]`));
    return `{"NS":[${[...members].sort(byCodeUnit).map(json).join(',')}]}`;
  }
  if (value.BS !== undefined) {
    if (!Array.isArray(value.BS)) throw new ItemCodecError(path, 'BS must be an array of Uint8Array');
    const members = value.BS.map((b, i) => checkBytes(b, `${path}[${i}]`));
    return `{"BS":[${[...members].sort((a, b) => Buffer.compare(a, b)).map((b) => json(base64(b))).join(',')}]}`;
  }
  if (value.L !== undefined) {
    if (!Array.isArray(value.L)) throw new ItemCodecError(path, 'L must be an array');
    return `{"L":[${value.L.map((v, i) => encodeValue(v, `${path}[${i}]`)).join(',')}]}`;
  }
  if (value.M !== undefined) return `{"M":${encodeMap(value.M, path)}}`;
  if (value.BOOL !== undefined) {
    if (typeof value.BOOL !== 'boolean') throw new ItemCodecError(path, 'BOOL must be a boolean');
    return `{"BOOL":${value.BOOL}}`;
  }
  if (value.NULL !== undefined) {
    if (value.NULL !== true) throw new ItemCodecError(path, 'NULL must be true');
    return '{"NULL":true}';
  }
  throw new ItemCodecError(path, `unknown AttributeValue type ${JSON.stringify(types[0])}`);
}

function encodeMap(map: Record<string, AttributeValue>, path: string): string {
  if (typeof map !== 'object' || map === null || Array.isArray(map)) throw new ItemCodecError(path, 'M must be an object');
  const names = Object.keys(map).sort(byCodeUnit);
  return `{${names.map((name) => `${json(name)}:${encodeValue(map[name], path ? `${path}.${name}` : name)}`).join(',')}}`;
}

/** The canonical text of one item (one line of DynamoDB JSON). */
export function encodeItemText(item: DynamoDbItem): string {
  return encodeMap(item, '');
}

/** The canonical bytes of one item. */
export function encodeItem(item: DynamoDbItem): Uint8Array {
  return Buffer.from(encodeItemText(item), 'utf8');
}

/** Items as JSON Lines: each item's canonical text followed by '\n', in the given order. */
export function encodeItemLines(items: Iterable<DynamoDbItem>): Buffer {
  const lines: string[] = [];
  for (const item of items) lines.push(`${encodeItemText(item)}\n`);
  return Buffer.from(lines.join(''), 'utf8');
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function decodeBytes(v: unknown, path: string): Uint8Array {
  if (typeof v !== 'string' || !BASE64.test(v) || v.length % 4 !== 0) throw new ItemCodecError(path, 'B must be standard padded base64');
  return new Uint8Array(Buffer.from(v, 'base64'));
}

function decodeValue(raw: unknown, path: string): AttributeValue {
  if (!isRecord(raw)) throw new ItemCodecError(path, 'an AttributeValue must be an object');
  const types = Object.keys(raw);
  const [type] = types;
  if (types.length !== 1 || type === undefined) throw new ItemCodecError(path, `an AttributeValue has exactly one type, got ${JSON.stringify(types)}`);
  const v = raw[type];
  switch (type) {
    case 'S':
      if (typeof v !== 'string') throw new ItemCodecError(path, 'S must be a string');
      return { S: v };
    case 'N':
      return { N: checkNumber(v, path) };
    case 'B':
      return { B: decodeBytes(v, path) };
    case 'SS':
      return { SS: [...checkStrings(v, path, 'SS')] };
    case 'NS':
      return { NS: checkStrings(v, path, 'NS').map((n, i) => checkNumber(n, `${path}[${i}]`)) };
    case 'BS':
      if (!Array.isArray(v)) throw new ItemCodecError(path, 'BS must be an array');
      return { BS: v.map((b, i) => decodeBytes(b, `${path}[${i}]`)) };
    case 'L':
      if (!Array.isArray(v)) throw new ItemCodecError(path, 'L must be an array');
      return { L: v.map((e, i) => decodeValue(e, `${path}[${i}]`)) };
    case 'M':
      return { M: decodeMap(v, path) };
    case 'BOOL':
      if (typeof v !== 'boolean') throw new ItemCodecError(path, 'BOOL must be a boolean');
      return { BOOL: v };
    case 'NULL':
      if (v !== true) throw new ItemCodecError(path, 'NULL must be true');
      return { NULL: true };
    default:
      throw new ItemCodecError(path, `unknown AttributeValue type ${JSON.stringify(type)}`);
  }
}

/**
 * Object.fromEntries, not `out[name] = …`: it defines each name as an own property, so an attribute
 * named `__proto__` (a legal DynamoDB name) stays an attribute. Assigned, it would set the object's
 * prototype instead: the attribute vanishes from the item (or, in an M, its value's fields leak into
 * the SDK's request as a bogus member), and the read-back compares against the same lost item.
 */
function decodeMap(raw: unknown, path: string): Record<string, AttributeValue> {
  if (!isRecord(raw)) throw new ItemCodecError(path, 'M must be an object');
  return Object.fromEntries(Object.entries(raw).map(([name, value]) => [name, decodeValue(value, path ? `${path}.${name}` : name)]));
}

function parse(text: string, where: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new ItemCodecError(where, `not JSON (${(err as Error).message})`);
  }
}

/** Decodes one item's canonical bytes (or text) back to AttributeValues; B and BS become Uint8Array. */
export function decodeItem(encoded: Uint8Array | string): DynamoDbItem {
  const text = typeof encoded === 'string' ? encoded : Buffer.from(encoded.buffer, encoded.byteOffset, encoded.byteLength).toString('utf8');
  return decodeMap(parse(text, ''), '');
}

/** Decodes JSON Lines written by encodeItemLines (blank lines are ignored). */
export function decodeItemLines(encoded: Uint8Array | string): DynamoDbItem[] {
  const text = typeof encoded === 'string' ? encoded : Buffer.from(encoded.buffer, encoded.byteOffset, encoded.byteLength).toString('utf8');
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => decodeItem(line));
}

/** The item as decodeItem(encodeItem(item)) returns it: same values, sets in canonical order. */
export function canonicalizeItem(item: DynamoDbItem): DynamoDbItem {
  return decodeItem(encodeItem(item));
}
