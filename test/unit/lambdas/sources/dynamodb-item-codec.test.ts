import { DynamoDBClient, type ScanCommandInput } from '@aws-sdk/client-dynamodb';
import { decodeItem, decodeItemLines, type DynamoDbItem, encodeItemLines, encodeItemText } from '../../../../lambdas/sources/dynamodb-item-codec';
import { addDynamoDbSegment, isPageBoundary } from '../../../../lambdas/sources/dynamodb-page-entries';

/**
 * Attribute names that are also names of Object.prototype's members (audit R13, F1): `__proto__`
 * assigned as `out[name] = …` sets the prototype instead of adding an attribute. Items are built
 * with JSON.parse, as the SDK's Scan output has them: every name an own property.
 */
const NAMES = ['__proto__', 'constructor', 'toString'] as const;

const item = (json: string): DynamoDbItem => JSON.parse(json) as DynamoDbItem;

describe('the item codec keeps attributes named like Object.prototype members', () => {
  it.each(NAMES)('round-trips %s at the top level, nested in an M and in an M inside an L, as own attributes', (name) => {
    const q = JSON.stringify(name);
    const original = item(`{"pk":{"S":"a"},${q}:{"S":"top"},"doc":{"M":{${q}:{"N":"42"},"x":{"N":"1"}}},"list":{"L":[{"M":{${q}:{"BOOL":true}}}]}}`);
    const text = encodeItemText(original);
    expect(Object.keys(JSON.parse(text) as object)).toEqual([name, 'doc', 'list', 'pk'].sort());
    expect(text).toContain(`${q}:{"S":"top"}`);
    expect(text).toContain(`"doc":{"M":{${q}:{"N":"42"},"x":{"N":"1"}}}`);
    expect(text).toContain(`"list":{"L":[{"M":{${q}:{"BOOL":true}}}]}`);

    const decoded = decodeItem(text);
    expect(Object.keys(decoded).sort()).toEqual([name, 'doc', 'list', 'pk'].sort());
    expect(Object.getPrototypeOf(decoded)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(decoded, name)?.value).toEqual({ S: 'top' });
    const doc = decoded['doc']?.M ?? {};
    expect(Object.keys(doc).sort()).toEqual([name, 'x'].sort());
    expect(Object.getOwnPropertyDescriptor(doc, name)?.value).toEqual({ N: '42' });
    // What the SDK sends is JSON.stringify of the item: the decoded item must give the backed-up text back.
    expect(encodeItemText(decoded)).toBe(text);
    expect(encodeItemText(JSON.parse(JSON.stringify(decoded)) as DynamoDbItem)).toBe(text);
    expect(decodeItemLines(encodeItemLines([original, original])).map(encodeItemText)).toEqual([text, text]);
  });
});

describe('a DynamoDB segment keyed by an attribute named __proto__', () => {
  const keys = Array.from({ length: 200 }, (_, i) => `k${String(i).padStart(4, '0')}`);
  const items = keys.map((k) => item(`{"__proto__":{"S":"${k}"},"v":{"N":"1"}}`));

  it('places page boundaries by that key, not once for every item or for none', () => {
    const boundaries = items.filter((it) => isPageBoundary(it, ['__proto__'])).length;
    expect(boundaries).toBeGreaterThan(0);
    expect(boundaries).toBeLessThan(items.length);
  });

  it('resumes a stopped stretch after the item its resume point names (ExclusiveStartKey has the key attribute)', async () => {
    const scans: ScanCommandInput[] = [];
    const ddb = new DynamoDBClient({ region: 'us-east-1' });
    const send = async (command: { input: ScanCommandInput }): Promise<unknown> => {
      scans.push(command.input);
      const start = command.input.ExclusiveStartKey;
      const from = start ? keys.indexOf(Object.getOwnPropertyDescriptor(start, '__proto__')?.value?.S ?? '') + 1 : 0;
      return { Items: items.slice(from), ScannedCount: items.length - from, $metadata: { attempts: 1 } };
    };
    ddb.send = send as unknown as DynamoDBClient['send'];
    const added: string[] = [];
    const sink = { add: async (e: { path: string }): Promise<void> => void added.push(e.path), canReuse: async (): Promise<null> => null };
    const { items: stored } = await addDynamoDbSegment(ddb, { table: 't', segment: 0, totalSegments: 1, keyAttributes: ['__proto__'] }, sink, {
      resume: { kind: 'dynamodb', startKey: '{"__proto__":{"S":"k0099"}}', nextPage: 3 },
    });
    expect(Object.keys(scans[0]?.ExclusiveStartKey ?? {})).toEqual(['__proto__']);
    expect(JSON.stringify(scans[0]?.ExclusiveStartKey)).toBe('{"__proto__":{"S":"k0099"}}');
    expect(stored).toBe(100);
  });
});
