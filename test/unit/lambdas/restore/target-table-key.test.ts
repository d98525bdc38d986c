import { type TableDescription } from '@aws-sdk/client-dynamodb';
import { checkOverwrittenTableKey } from '../../../../lambdas/restore/target-table-key';
import { InvalidInputError } from '../../../../lambdas/runtime/errors';
import { type TableSchema } from '../../../../lambdas/sources/dynamodb-table-schema';

/** The backup: table keyed pk (S), a GSI byG on g (S), an LSI byL on pk + l (N). */
const backup: TableSchema = {
  tableName: 'orders',
  attributeDefinitions: [
    { AttributeName: 'pk', AttributeType: 'S' },
    { AttributeName: 'g', AttributeType: 'S' },
    { AttributeName: 'l', AttributeType: 'N' },
  ],
  keySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
  globalSecondaryIndexes: [{ indexName: 'byG', keySchema: [{ AttributeName: 'g', KeyType: 'HASH' }], projection: { ProjectionType: 'ALL' } }],
  localSecondaryIndexes: [],
  billingMode: 'PAY_PER_REQUEST',
};

function target(types: { g?: 'S' | 'N'; l?: 'S' | 'N'; other?: 'S' | 'N' }): TableDescription {
  return {
    TableName: 'orders',
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    AttributeDefinitions: [
      { AttributeName: 'pk', AttributeType: 'S' },
      ...(types.g ? [{ AttributeName: 'g', AttributeType: types.g }] : []),
      ...(types.l ? [{ AttributeName: 'l', AttributeType: types.l }] : []),
      ...(types.other ? [{ AttributeName: 'other', AttributeType: types.other }] : []),
    ],
    GlobalSecondaryIndexes: [
      ...(types.g ? [{ IndexName: 'byG', KeySchema: [{ AttributeName: 'g', KeyType: 'HASH' as const }] }] : []),
      ...(types.other ? [{ IndexName: 'byOther', KeySchema: [{ AttributeName: 'other', KeyType: 'HASH' as const }] }] : []),
    ],
    ...(types.l ? { LocalSecondaryIndexes: [{ IndexName: 'byL', KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' as const }, { AttributeName: 'l', KeyType: 'RANGE' as const }] }] } : {}),
  };
}

const check = (existing: TableDescription): void => checkOverwrittenTableKey('orders', existing, backup, 'b-1');

describe('an overwrite restore into a table whose secondary index keys an attribute by another type', () => {
  it('is refused, naming the global secondary index, the attribute and both types', () => {
    expect(() => check(target({ g: 'N' }))).toThrow(InvalidInputError);
    expect(() => check(target({ g: 'N' }))).toThrow('the global secondary index byG of table orders keys attribute "g" as N, but backup b-1 defines "g" as S');
  });

  it('is refused for a local secondary index too', () => {
    expect(() => check(target({ g: 'S', l: 'S' }))).toThrow('the local secondary index byL of table orders keys attribute "l" as S, but backup b-1 defines "l" as N');
  });

  it('goes ahead when the index key types agree, or the backup has no type for the attribute', () => {
    expect(() => check(target({ g: 'S', l: 'N' }))).not.toThrow();
    expect(() => check(target({ other: 'N' }))).not.toThrow();
  });
});
