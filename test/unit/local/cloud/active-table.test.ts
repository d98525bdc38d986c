import { CreateTableCommand, DescribeTableCommand, DynamoDBClient, ResourceNotFoundException, type TableStatus } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { createActiveTable, waitTableActive } from '../../../../local/cloud';

/**
 * dynalite answers CreateTable while the table is CREATING and a write then fails with
 * ResourceNotFoundException (a CI run failed on exactly that): createActiveTable returns only after
 * DescribeTable says ACTIVE.
 */
const ddb = mockClient(DynamoDBClient);
const client = new DynamoDBClient({ region: 'us-east-1' });

afterEach(() => ddb.reset());
afterAll(() => client.destroy());

function describesInTurn(statuses: TableStatus[]): void {
  let call = 0;
  ddb.on(DescribeTableCommand).callsFake(() => ({ Table: { TableName: 't', TableStatus: statuses[Math.min(call++, statuses.length - 1)] } }));
}

it('returns CreateTable’s answer only once DescribeTable says ACTIVE', async () => {
  ddb.on(CreateTableCommand).resolves({ TableDescription: { TableName: 't', TableStatus: 'CREATING' } });
  describesInTurn(['CREATING', 'CREATING', 'ACTIVE']);
  const created = await createActiveTable(client, { TableName: 't', KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }], AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }] });
  expect(created.TableDescription?.TableName).toBe('t');
  expect(ddb.commandCalls(DescribeTableCommand)).toHaveLength(3);
  expect(ddb.commandCalls(DescribeTableCommand).map((c) => c.args[0].input.TableName)).toEqual(['t', 't', 't']);
});

it('does not wait for a table CreateTable refused', async () => {
  ddb.on(CreateTableCommand).rejects(new ResourceNotFoundException({ message: 'no', $metadata: {} }));
  await expect(createActiveTable(client, { TableName: 't' })).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  expect(ddb.commandCalls(DescribeTableCommand)).toHaveLength(0);
});

it('passes on DescribeTable’s error for a table that is not there', async () => {
  ddb.on(DescribeTableCommand).rejects(new ResourceNotFoundException({ message: 'Requested resource not found: Table: gone not found', $metadata: {} }));
  await expect(waitTableActive(client, 'gone')).rejects.toThrow('Table: gone not found');
});
