import { writesOf } from '../../../../local/cloud/table-replication';

/** Which items a write request touched, as the local global-table replicator queues them (local/cloud/table-replication.ts). */

const key = { pk: { S: 'a' } };
const item = { pk: { S: 'a' }, v: { N: '1' } };

it('takes the item of a PutItem and the key of an UpdateItem or DeleteItem', () => {
  expect(writesOf('PutItem', { TableName: 't', Item: item, ConditionExpression: 'attribute_not_exists(pk)' })).toEqual([{ table: 't', item }]);
  expect(writesOf('UpdateItem', { TableName: 't', Key: key, UpdateExpression: 'SET v = :v' })).toEqual([{ table: 't', item: key }]);
  expect(writesOf('DeleteItem', { TableName: 't', Key: key })).toEqual([{ table: 't', item: key }]);
});

it('takes every put and delete of a BatchWriteItem, table by table', () => {
  expect(writesOf('BatchWriteItem', { RequestItems: { t: [{ PutRequest: { Item: item } }, { DeleteRequest: { Key: { pk: { S: 'b' } } } }], u: [{ PutRequest: { Item: key } }] } })).toEqual([
    { table: 't', item },
    { table: 't', item: { pk: { S: 'b' } } },
    { table: 'u', item: key },
  ]);
});

it('takes the puts, updates and deletes of a TransactWriteItems, not its condition checks', () => {
  expect(
    writesOf('TransactWriteItems', {
      TransactItems: [
        { Put: { TableName: 't', Item: item } },
        { ConditionCheck: { TableName: 't', Key: { pk: { S: 'c' } }, ConditionExpression: 'attribute_exists(pk)' } },
        { Update: { TableName: 'u', Key: key, UpdateExpression: 'SET v = :v' } },
        { Delete: { TableName: 'u', Key: { pk: { S: 'd' } } } },
      ],
    }),
  ).toEqual([
    { table: 't', item },
    { table: 'u', item: key },
    { table: 'u', item: { pk: { S: 'd' } } },
  ]);
});

it('takes nothing from a read or a malformed request (dynalite refuses those, and a refused write is not replicated)', () => {
  expect(writesOf('GetItem', { TableName: 't', Key: key })).toEqual([]);
  expect(writesOf('PutItem', { Item: item })).toEqual([]);
  expect(writesOf('BatchWriteItem', { RequestItems: { t: 'not a list' } })).toEqual([]);
});
