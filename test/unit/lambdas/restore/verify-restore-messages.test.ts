import { BatchGetItemCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { ItemCodecError, encodeItemText } from '../../../../lambdas/sources/dynamodb-item-codec';
import { checkDynamoDbItems } from '../../../../lambdas/restore/dynamodb-item-check';
import { differingNames } from '../../../../lambdas/restore/restored-entry-check';

/**
 * Verification errors reach the execution's error, the state machine's logs and the catalog: they name
 * attributes, metadata and tag names, never the protected data's values (issue 13, item 6).
 */
describe('verification messages name attributes, never values', () => {
  it('an item read back different is described by its attribute names only', async () => {
    const ddb = mockClient(DynamoDBClient);
    ddb.on(BatchGetItemCommand).resolves({ Responses: { t: [{ pk: { S: 'customer#4711' }, card: { S: '4111111111111112' }, total: { N: '99.95' } }] } });
    try {
      const [message, ...more] = await checkDynamoDbItems(new DynamoDBClient({ region: 'us-east-1' }), 't', ['pk'], [{ pk: { S: 'customer#4711' }, card: { S: '4111111111111111' }, total: { N: '99.95' } }]);
      expect(more).toEqual([]);
      expect(message).toBe('an item with attributes "card", "pk", "total" missing or different in t');
      for (const value of ['4711', '4111111111111111', '4111111111111112', '99.95']) expect(message).not.toContain(value);
    } finally {
      ddb.restore();
    }
  });

  it('differing metadata or tags are named by key, with absent keys counted', () => {
    const message = differingNames({ owner: 'alice', secret: 's3cr3t', same: 'x' }, { owner: 'bob', same: 'x', extra: 'v' });
    expect(message).toBe('"extra", "owner", "secret"');
    for (const value of ['alice', 'bob', 's3cr3t']) expect(message).not.toContain(value);
  });

  it('a malformed number in an item is reported by its path and length, not its digits', () => {
    let error: unknown;
    try {
      encodeItemText({ balance: { N: 'SECRET-1234' } });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ItemCodecError);
    expect((error as Error).message).toContain('balance');
    expect((error as Error).message).not.toContain('SECRET-1234');
  });
});
