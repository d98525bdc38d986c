import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatchWriteItemCommand, DynamoDBClient, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { createActiveTable } from '../../../../local/cloud';
import { itemUtf8Excess } from '../../../../local/cloud/dynamodb-item-size';
import { RegionServers } from '../../../../local/cloud/region-servers';
import { itemSizeBytes, measureTable } from '../../../../local/cloud/table-size';

/** The local cloud's table sizes follow AWS's documented item-size rules ("Item sizes and formats"). */
describe('itemSizeBytes', () => {
  it('counts attribute names and string values in UTF-8 bytes', () => {
    expect(itemSizeBytes({ pk: { S: 'abc' } })).toBe(2 + 3);
    expect(itemSizeBytes({ 'näme': { S: 'é€' } })).toBe(5 + 5);
  });

  it('sizes numbers at one byte per two significant digits plus one, binary by its decoded bytes, booleans and nulls at one byte', () => {
    expect(itemSizeBytes({ n: { N: '12345' } })).toBe(1 + 4);
    expect(itemSizeBytes({ n: { N: '-0.00120' } })).toBe(1 + 2);
    expect(itemSizeBytes({ z: { N: '0' }, y: { N: '-0.000' } })).toBe(2 + 2);
    expect(itemSizeBytes({ b: { B: Buffer.alloc(10, 7).toString('base64') } })).toBe(1 + 10);
    expect(itemSizeBytes({ t: { BOOL: true }, z: { NULL: true } })).toBe(2 + 2);
  });

  it('adds 3 bytes per list or map and 1 per element, with map keys, and sizes sets by their members', () => {
    expect(itemSizeBytes({ l: { L: [{ S: 'ab' }, { N: '1' }] } })).toBe(1 + 3 + (1 + 2) + (1 + 2));
    expect(itemSizeBytes({ m: { M: { k: { S: 'v' } } } })).toBe(1 + 3 + 1 + 1 + 1);
    expect(itemSizeBytes({ s: { SS: ['a', 'bb'] } })).toBe(1 + 3);
  });
});

describe('measureTable', () => {
  it('follows LastEvaluatedKey through every page and sums count and size', async () => {
    const pages = [
      { items: [{ pk: { S: 'a' } }, { pk: { S: 'bb' } }], lastEvaluatedKey: { pk: { S: 'bb' } } },
      { items: [{ pk: { S: 'ccc' } }], lastEvaluatedKey: undefined },
    ];
    const starts: unknown[] = [];
    const size = await measureTable(async (start) => {
      starts.push(start);
      const page = pages[starts.length - 1];
      if (!page) throw new Error('read past the last page');
      return page;
    });
    expect(starts).toEqual([undefined, { pk: { S: 'bb' } }]);
    expect(size).toEqual({ itemCount: 3, sizeBytes: 3 * 2 + 6 });
  });
});

/**
 * A local cloud region refuses an item over 400 KB (409,600 bytes) as AWS does, by its UTF-8 bytes
 * (local/cloud/dynamodb-item-size.ts): dynalite alone counted UTF-16 units and stored a CJK item three
 * times that size.
 */
describe('the DynamoDB item size limit of a local cloud region', () => {
  const REGION = 'us-east-1';
  const TABLE = 'items';
  const CJK = '漢'; // 3 bytes of UTF-8, 1 UTF-16 unit
  const tooLarge = { name: 'ValidationException', message: 'Item size has exceeded the maximum allowed size' };
  let dataDir: string;
  let region: RegionServers;
  let client: DynamoDBClient;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'lifeboat-item-size-'));
    region = await RegionServers.start({ dataDir, region: REGION, account: '000000000000' });
    client = new DynamoDBClient({ region: REGION, endpoint: region.endpoints.dynamodb, credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, maxAttempts: 1 });
    await createActiveTable(client, {
      TableName: TABLE,
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    });
  });

  afterAll(async () => {
    client.destroy();
    await region.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const put = (pk: string, text: string): Promise<unknown> => client.send(new PutItemCommand({ TableName: TABLE, Item: { pk: { S: pk }, text: { S: text } } }));

  it('refuses a PutItem or BatchWriteItem of 150,000 CJK characters (450,000 bytes) and stores 120,000 ASCII ones with a little CJK', async () => {
    await expect(put('cjk', CJK.repeat(150_000))).rejects.toMatchObject(tooLarge);
    const batch = client.send(new BatchWriteItemCommand({ RequestItems: { [TABLE]: [{ PutRequest: { Item: { pk: { S: 'cjk' }, text: { S: CJK.repeat(150_000) } } } }] } }));
    await expect(batch).rejects.toMatchObject(tooLarge);
    const fits = 'a'.repeat(120_000) + CJK.repeat(1_000);
    expect(itemSizeBytes({ pk: { S: 'ascii' }, text: { S: fits } })).toBeLessThan(409_600);
    await expect(put('ascii', fits)).resolves.toBeDefined();
  });

  it('counts what UTF-8 adds over UTF-16 units in strings, string sets, names and map keys, inside lists and maps too', () => {
    expect(itemUtf8Excess({ pk: { S: 'ascii' }, n: { N: '12' } })).toBe(0);
    expect(itemUtf8Excess({ 'é': { S: CJK }, s: { SS: ['é', CJK] } })).toBe(1 + 2 + 1 + 2);
    expect(itemUtf8Excess({ l: { L: [{ M: { [CJK]: { S: '😀' }, k: { L: [{ S: 'é' }] } } }] } })).toBe(2 + 2 + 1);
  });

  /**
   * Numbers keep dynalite's measure (sign, digit pairs, exponent): sized by AWS's rough rule (table-size.ts)
   * instead, pure-ASCII items crossed the limit both ways (review r57J).
   */
  it('stores a list of 140,000 zeros (280,011 bytes as dynalite measures them)', async () => {
    const zeros = client.send(new PutItemCommand({ TableName: TABLE, Item: { pk: { S: 'zeros' }, l: { L: Array.from({ length: 140_000 }, () => ({ N: '0' })) } } }));
    await expect(zeros).resolves.toBeDefined();
  });

  it('refuses a number set of 70,000 negative decimals (459,614 bytes as dynalite measures them, 334,296 by the rough rule)', async () => {
    const negatives = Array.from({ length: 70_000 }, (_, i) => `-${(i + 1) / 100_000 + 1}`);
    await expect(client.send(new PutItemCommand({ TableName: TABLE, Item: { pk: { S: 'negatives' }, ns: { NS: negatives } } }))).rejects.toMatchObject(tooLarge);
  });

  it('refuses an UpdateItem whose item after the update is over 400 KB in UTF-8', async () => {
    await put('grown', CJK.repeat(100_000));
    const grow = client.send(
      new UpdateItemCommand({ TableName: TABLE, Key: { pk: { S: 'grown' } }, UpdateExpression: 'SET more = :more', ExpressionAttributeValues: { ':more': { S: CJK.repeat(40_000) } } }),
    );
    await expect(grow).rejects.toMatchObject({ name: 'ValidationException', message: 'Item size to update has exceeded the maximum allowed size' });
  });
});
